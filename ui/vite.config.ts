import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The UI lives in ui/; Tauri serves ui/dist from inside the binary (no dev server at run time).
export default defineConfig({
  root: __dirname,
  plugins: [svelte()],
  clearScreen: false,
  // The bundle is read from inside the app binary, not over a network: ECharts' size is fine.
  build: { outDir: "dist", emptyOutDir: true, target: "safari15", chunkSizeWarningLimit: 1200 },
  resolve: process.env.VITEST ? { conditions: ["browser"] } : undefined,
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
  },
});
