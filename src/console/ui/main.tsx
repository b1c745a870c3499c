import { render } from 'preact';
import { App, type AppEnv } from './app';
import './styles.css';

const env: AppEnv = {
  fetch: (input, init) => window.fetch(input, init),
  storage: window.sessionStorage,
  location: window.location,
  history: window.history,
  window,
  now: () => Date.now(),
};

render(<App env={env} />, document.getElementById('app')!);
