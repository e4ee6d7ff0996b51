import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { WebSocketBridge } from './bridge.ts';
import { CustomerDisplayView } from './CustomerDisplay.tsx';
import { IpcBridge, ipcCustomerFeed, stationIpc, webSocketCustomerFeed } from './ipc-bridge.ts';
import './styles.css';

// In Electron the preload gives window.stationIpc; in a browser (`station serve`) the
// WebSocket of the page's origin. The customer display is the same page at /customer.
const ipc = stationIpc();
const root = createRoot(document.getElementById('root')!);
if (location.pathname === '/customer') {
  root.render(<StrictMode><CustomerDisplayView feed={ipc ? ipcCustomerFeed(ipc) : webSocketCustomerFeed()} /></StrictMode>);
} else {
  const api = ipc ? new IpcBridge(ipc) : WebSocketBridge.fromLocation();
  root.render(<StrictMode><App api={api} /></StrictMode>);
}
