import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { WebSocketBridge } from './bridge.ts';
import './styles.css';

const api = WebSocketBridge.fromLocation();
createRoot(document.getElementById('root')!).render(<StrictMode><App api={api} /></StrictMode>);
