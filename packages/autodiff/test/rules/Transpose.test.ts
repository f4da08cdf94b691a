import { ruleSuite } from '../helpers/rule-case.js';
import { Transpose } from './cases/structure.js';

ruleSuite('Transpose', Transpose);
