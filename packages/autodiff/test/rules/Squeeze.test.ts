import { ruleSuite } from '../helpers/rule-case.js';
import { Squeeze } from './cases/structure.js';

ruleSuite('Squeeze', Squeeze);
