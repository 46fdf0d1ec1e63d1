export * from './settings';
export * from './names';
export { bucketNameProblem } from './bucket-name';
