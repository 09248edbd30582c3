export * from './moreau.js';
