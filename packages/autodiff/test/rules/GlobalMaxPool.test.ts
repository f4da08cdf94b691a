import { ruleSuite } from '../helpers/rule-case.js';
import { GlobalMaxPool } from './cases/pool.js';

ruleSuite('GlobalMaxPool', GlobalMaxPool);
