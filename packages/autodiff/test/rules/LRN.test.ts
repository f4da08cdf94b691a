import { ruleSuite } from '../helpers/rule-case.js';
import { LRN } from './cases/norm.js';

ruleSuite('LRN', LRN);
