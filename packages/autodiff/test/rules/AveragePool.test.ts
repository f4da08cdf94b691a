import { ruleSuite } from '../helpers/rule-case.js';
import { AveragePool } from './cases/AveragePool.js';

ruleSuite('AveragePool', AveragePool);
