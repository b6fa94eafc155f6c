import { defineConfig } from "vite";

// Builds demo.html (the UI with the fake backend) into dist-demo/, apart from the app's bundle.
export default defineConfig({
  clearScreen: false,
  build: { target: "es2021", outDir: "dist-demo", emptyOutDir: true, rollupOptions: { input: "demo.html" } },
});
