import { ruleSuite } from '../helpers/rule-case.js';
import { Concat } from './cases/structure.js';

ruleSuite('Concat', Concat);
