export * from './mdp.js';
export * from './md-vi.js';
