// Entry of the window's code: finds the bridge, starts the stores that listen from the first moment,
// and renders the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { startBansStore } from './bans-store.js';
import { findBridge, startEvents } from './bridge-client.js';
import { startConnection } from './connection.js';
import { startFeed } from './feed-store.js';
import { startPanel } from './panel-store.js';

const container = document.getElementById('root')!;
if (!findBridge()) {
  const message = document.createElement('p');
  message.className = 'no-bridge';
  message.textContent = 'This page is the Croissant2Ban window: it works only inside the Croissant2Ban app.';
  container.append(message);
} else {
  startEvents();
  startConnection();
  startBansStore();
  startFeed();
  startPanel();
  createRoot(container).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
