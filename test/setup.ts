import { initEngine } from '../src/engine/backend.js';

await initEngine({ quiet: true });
