export * from './mfac.js';
