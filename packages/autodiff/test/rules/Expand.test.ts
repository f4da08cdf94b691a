import { ruleSuite } from '../helpers/rule-case.js';
import { Expand } from './cases/shape.js';

ruleSuite('Expand', Expand);
