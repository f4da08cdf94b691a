import { ruleSuite } from '../helpers/rule-case.js';
import { MaxPool } from './cases/MaxPool.js';

ruleSuite('MaxPool', MaxPool);
