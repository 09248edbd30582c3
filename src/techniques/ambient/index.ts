export * from './em.js';
export * from './fisher.js';
export * from './match.js';
