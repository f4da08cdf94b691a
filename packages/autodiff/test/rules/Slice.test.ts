import { ruleSuite } from '../helpers/rule-case.js';
import { Slice } from './cases/shape.js';

ruleSuite('Slice', Slice);
