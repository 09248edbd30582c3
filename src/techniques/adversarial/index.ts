export * from './vat.js';
export * from './pgd.js';
