export { AuthGate } from './components/AuthGate';
export { useAuth, type AuthState } from './components/auth-context';
export { SignOutButton } from './components/SignOutButton';
