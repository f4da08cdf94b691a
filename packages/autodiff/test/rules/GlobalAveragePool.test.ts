import { ruleSuite } from '../helpers/rule-case.js';
import { GlobalAveragePool } from './cases/AveragePool.js';

ruleSuite('GlobalAveragePool', GlobalAveragePool);
