import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { ToastProvider } from "./components/Toasts";
import { applyTheme, initialTheme } from "./lib/theme";
import "./styles/tokens.css";
import "./styles/base.css";
import "./styles/components.css";
import "./styles/layout.css";
import "./styles/depth.css";

async function start(): Promise<void> {
  applyTheme(initialTheme());

  // `npm run dev` in a plain browser: use the in-memory mock backend. This branch is
  // compiled out of production builds (import.meta.env.DEV is false there).
  if (import.meta.env.DEV && !("__TAURI_INTERNALS__" in window)) {
    const { installMockBackend } = await import("./dev/mockBackend");
    const requested = Number(new URLSearchParams(window.location.search).get("mock") ?? "250");
    installMockBackend(Number.isFinite(requested) ? requested : 250);
  }

  const container = document.getElementById("root");
  if (!container) throw new Error("Missing #root element");
  createRoot(container).render(
    <StrictMode>
      <ToastProvider>
        <App />
      </ToastProvider>
    </StrictMode>,
  );
}

void start();
