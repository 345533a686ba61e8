import { NavLink, Outlet } from 'react-router';
import { SignOutButton } from '../features/auth';
import { useLiveConnection } from '../lib/live';
import { useTheme, type ThemeChoice } from '../lib/theme';
import { NAV } from './routes';

const THEME_LABEL: Readonly<Record<ThemeChoice, string>> = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };
const THEME_ICON: Readonly<Record<ThemeChoice, string>> = { system: '◐', light: '☀', dark: '☾' };

/** The frame every page shares: the name, the pages, the live state, the theme, who is signed in. */
export function Shell() {
  const connected = useLiveConnection();
  const { choice, next } = useTheme();
  return (
    <div className="app">
      <header className="app-header">
        <h1>Peregrine</h1>
        <nav aria-label="Pages" className="pages">
          {NAV.map((item) => (
            <NavLink key={item.to} to={item.to} end={item.end}>
              {item.label}
            </NavLink>
          ))}
        </nav>
        <span className="spacer" />
        <span role="status" aria-label="Live updates" className={connected ? 'live on' : 'live'}>
          {connected ? '● live' : '○ offline'}
        </span>
        <button type="button" className="theme-toggle" onClick={next} aria-label={THEME_LABEL[choice]} title={`${THEME_LABEL[choice]} (click to change)`}>
          {THEME_ICON[choice]}
        </button>
        <SignOutButton />
      </header>
      <main>
        <Outlet />
      </main>
    </div>
  );
}
