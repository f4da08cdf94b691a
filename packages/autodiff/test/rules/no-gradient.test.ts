// Shape computations, integer casts and constants get no gradient; the float path around them
// is differentiated with their values held fixed.
import { ruleSuite } from '../helpers/rule-case.js';
import { noGradient } from './cases/structure.js';

ruleSuite('no-gradient paths', noGradient);
