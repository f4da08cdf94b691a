import { ruleSuite } from '../helpers/rule-case.js';
import { Reshape } from './cases/structure.js';

ruleSuite('Reshape', Reshape);
