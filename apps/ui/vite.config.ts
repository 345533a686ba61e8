import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `base: './'` keeps every asset URL relative, so the built dashboard works under a sub-path
// behind an ingress as well as at the root.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    port: 5173,
    proxy: { '/api': 'http://127.0.0.1:2802', '/healthz': 'http://127.0.0.1:2802', '/metrics': 'http://127.0.0.1:2802' },
  },
});
