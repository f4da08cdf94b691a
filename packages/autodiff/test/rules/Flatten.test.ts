import { ruleSuite } from '../helpers/rule-case.js';
import { Flatten } from './cases/structure.js';

ruleSuite('Flatten', Flatten);
