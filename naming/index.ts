export * from './settings';
export * from './names';
export { bucketNameProblem } from './bucket-name';
export * from './policy-document';
export * from './permissions';
export * from './metrics';
export * from './receipts';
