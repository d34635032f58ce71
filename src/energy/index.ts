export * from './cost-tables.ts';
