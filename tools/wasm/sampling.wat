;; The pixel loops of fv's bilinear sampling kernels (packages/core/src/dream/transforms.ts) in
;; WebAssembly, the JavaScript kernels' twin: the same float64 operations in the same order
;; (WebAssembly has no fused multiply-add and rounds like JavaScript), the same float32 stores
;; and additions, so both give the same bits. JavaScript prepares everything else (the padded
;; source, the per-row and per-column tables, zeroing) in this module's memory.
;;
;; Addresses are byte offsets. Padded source: float64 planes of `plane` values, rows of `pw`;
;; output and gradient: float32 planes of `outPlane` values; adjoint accumulator: float32 planes
;; laid out like the padded source. Tables: rowBase/colBase int32 padded indices of the first tap,
;; fy/gy/fx/gx float64 fractions and 1 − fractions.
;;
;; Weights (1 − fy)·(1 − fx), (1 − fy)·fx, fy·(1 − fx), fy·fx, computed once per output pixel.
;; Four kernels written out (no calls in the pixel loops). Regenerate sampling-wasm.ts with
;; `node tools/wasm/build.mjs`.
(module
  (memory (export "memory") 1)

  ;; The source part of a float32 padded accumulator (planes of `plane` values, rows of `pw`, the
  ;; source at (top, left)) as a `[channels, h, w]` array at dst.
  (func (export "unpad")
    (param $acc i32) (param $dst i32) (param $channels i32) (param $h i32) (param $w i32)
    (param $pw i32) (param $plane i32) (param $top i32) (param $left i32)
    (local $c i32) (local $y i32) (local $from i32) (local $x i32)
    (block $channelsDone
      (loop $channel
        (br_if $channelsDone (i32.ge_s (local.get $c) (local.get $channels)))
        (local.set $y (i32.const 0))
        (block $rowsDone
          (loop $rows
            (br_if $rowsDone (i32.ge_s (local.get $y) (local.get $h)))
            (local.set $from (i32.add (local.get $acc) (i32.shl
              (i32.add (i32.add (i32.mul (local.get $c) (local.get $plane))
                (i32.mul (i32.add (local.get $y) (local.get $top)) (local.get $pw))) (local.get $left))
              (i32.const 2))))
            (local.set $x (i32.const 0))
            (block $copied
              (loop $copy
                (br_if $copied (i32.ge_s (local.get $x) (local.get $w)))
                (f32.store (local.get $dst) (f32.load (local.get $from)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
                (local.set $from (i32.add (local.get $from) (i32.const 4)))
                (local.set $x (i32.add (local.get $x) (i32.const 1)))
                (br $copy)))
            (local.set $y (i32.add (local.get $y) (i32.const 1)))
            (br $rows)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $channel))))

  ;; dst[from, to) = value (float64).
  (func $fillRange (param $dst i32) (param $from i32) (param $to i32) (param $value f64)
    (local $a i32) (local $end i32)
    (local.set $a (i32.add (local.get $dst) (i32.shl (local.get $from) (i32.const 3))))
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $to) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (f64.store (local.get $a) (local.get $value))
        (local.set $a (i32.add (local.get $a) (i32.const 8)))
        (br $next))))

  ;; The padded float64 copy of a float32 `[channels, h, w]` source, `ph × pw` a plane, the source
  ;; at (top, left): padded columns [frameStart, srcStart) and [srcEnd, frameEnd) of the rows within
  ;; `framePad` of the source are `frameValue`, everything else outside the source `fill`.
  (func (export "pad")
    (param $src i32) (param $dst i32) (param $channels i32) (param $h i32) (param $w i32)
    (param $ph i32) (param $pw i32) (param $top i32) (param $left i32) (param $framePad i32)
    (param $frameStart i32) (param $srcStart i32) (param $srcEnd i32) (param $frameEnd i32)
    (param $frameValue f64) (param $fill f64)
    (local $c i32) (local $py i32) (local $ty i32) (local $row i32) (local $from i32) (local $px i32)
    (local.set $row (local.get $dst))
    (block $channelsDone
      (loop $channel
        (br_if $channelsDone (i32.ge_s (local.get $c) (local.get $channels)))
        (local.set $py (i32.const 0))
        (block $rowsDone
          (loop $rows
            (br_if $rowsDone (i32.ge_s (local.get $py) (local.get $ph)))
            (local.set $ty (i32.sub (local.get $py) (local.get $top)))
            (if (i32.or
                  (i32.lt_s (local.get $ty) (i32.sub (i32.const 0) (local.get $framePad)))
                  (i32.ge_s (local.get $ty) (i32.add (local.get $h) (local.get $framePad))))
              (then (call $fillRange (local.get $row) (i32.const 0) (local.get $pw) (local.get $fill)))
              (else
                (call $fillRange (local.get $row) (i32.const 0) (local.get $frameStart) (local.get $fill))
                (if (i32.and (i32.ge_s (local.get $ty) (i32.const 0)) (i32.lt_s (local.get $ty) (local.get $h)))
                  (then
                    (call $fillRange (local.get $row) (local.get $frameStart) (local.get $srcStart)
                      (local.get $frameValue))
                    ;; source value of padded column px: src[c·h·w + ty·w + px − left]
                    (local.set $from (i32.add (local.get $src) (i32.shl
                      (i32.sub (i32.add (i32.mul (i32.add (i32.mul (local.get $c) (local.get $h))
                        (local.get $ty)) (local.get $w)) (i32.const 0)) (local.get $left))
                      (i32.const 2))))
                    (local.set $px (local.get $srcStart))
                    (block $copied
                      (loop $copy
                        (br_if $copied (i32.ge_s (local.get $px) (local.get $srcEnd)))
                        (f64.store (i32.add (local.get $row) (i32.shl (local.get $px) (i32.const 3)))
                          (f64.promote_f32 (f32.load (i32.add (local.get $from)
                            (i32.shl (local.get $px) (i32.const 2))))))
                        (local.set $px (i32.add (local.get $px) (i32.const 1)))
                        (br $copy)))
                    (call $fillRange (local.get $row) (local.get $srcEnd) (local.get $frameEnd)
                      (local.get $frameValue)))
                  (else
                    (call $fillRange (local.get $row) (local.get $frameStart) (local.get $frameEnd)
                      (local.get $frameValue))))
                (call $fillRange (local.get $row) (local.get $frameEnd) (local.get $pw) (local.get $fill))))
            (local.set $row (i32.add (local.get $row) (i32.shl (local.get $pw) (i32.const 3))))
            (local.set $py (i32.add (local.get $py) (i32.const 1)))
            (br $rows)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $channel))))

  ;; An axis-aligned sampling from the tables (buf: padded float64 source, data: output).
  (func (export "alignedSample")
    (param $buf i32) (param $data i32)
    (param $rowBase i32) (param $fy i32) (param $gy i32)
    (param $colBase i32) (param $fx i32) (param $gx i32)
    (param $height i32) (param $width i32) (param $channels i32)
    (param $pw i32) (param $plane i32) (param $outPlane i32)
    (local $y i32) (local $x i32) (local $o i32) (local $b i32) (local $c i32) (local $a i32)
    (local $t i32) (local $d i32) (local $g f64)
    (local $w00 f64) (local $w01 f64) (local $w10 f64) (local $w11 f64)
    (local $fyv f64) (local $gyv f64) (local $fxv f64) (local $gxv f64)
    (local $pwb i32) (local $planeb i32) (local $outPlaneb i32)
    (local $r i32)
    (local.set $pwb (i32.shl (local.get $pw) (i32.const 3)))
    (local.set $planeb (i32.shl (local.get $plane) (i32.const 3)))
    (local.set $outPlaneb (i32.shl (local.get $outPlane) (i32.const 2)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_s (local.get $y) (local.get $height)))
        (local.set $fyv (f64.load (i32.add (local.get $fy) (i32.shl (local.get $y) (i32.const 3)))))
        (local.set $gyv (f64.load (i32.add (local.get $gy) (i32.shl (local.get $y) (i32.const 3)))))
        (local.set $r (i32.load (i32.add (local.get $rowBase) (i32.shl (local.get $y) (i32.const 2)))))
        (local.set $x (i32.const 0))
        (block $colsDone
          (loop $col
            (br_if $colsDone (i32.ge_s (local.get $x) (local.get $width)))
            (local.set $fxv (f64.load (i32.add (local.get $fx) (i32.shl (local.get $x) (i32.const 3)))))
            (local.set $gxv (f64.load (i32.add (local.get $gx) (i32.shl (local.get $x) (i32.const 3)))))
            (local.set $b (i32.add (local.get $r)
              (i32.load (i32.add (local.get $colBase) (i32.shl (local.get $x) (i32.const 2))))))
            (local.set $w00 (f64.mul (local.get $gyv) (local.get $gxv)))
            (local.set $w01 (f64.mul (local.get $gyv) (local.get $fxv)))
            (local.set $w10 (f64.mul (local.get $fyv) (local.get $gxv)))
            (local.set $w11 (f64.mul (local.get $fyv) (local.get $fxv)))
            ;; out[c·outPlane + o] = w00·s[b] + w01·s[b + 1] + w10·s[b + pw] + w11·s[b + pw + 1]
            (local.set $a (i32.add (local.get $buf) (i32.shl (local.get $b) (i32.const 3))))
            (local.set $t (i32.add (local.get $data) (i32.shl (local.get $o) (i32.const 2))))
            (local.set $c (i32.const 0))
            (block $channelsDone
              (loop $channel
                (br_if $channelsDone (i32.ge_s (local.get $c) (local.get $channels)))
                (f32.store (local.get $t)
                  (f32.demote_f64
                    (f64.add
                      (f64.add
                        (f64.add
                          (f64.mul (local.get $w00) (f64.load (local.get $a)))
                          (f64.mul (local.get $w01) (f64.load offset=8 (local.get $a))))
                        (f64.mul (local.get $w10)
                          (f64.load (i32.add (local.get $a) (local.get $pwb)))))
                      (f64.mul (local.get $w11)
                        (f64.load offset=8 (i32.add (local.get $a) (local.get $pwb)))))))
                (local.set $a (i32.add (local.get $a) (local.get $planeb)))
                (local.set $t (i32.add (local.get $t) (local.get $outPlaneb)))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $channel)))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $col)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $row))))

  ;; Its adjoint (buf: padded float32 accumulator, data: gradient).
  (func (export "alignedAdjoint")
    (param $buf i32) (param $data i32)
    (param $rowBase i32) (param $fy i32) (param $gy i32)
    (param $colBase i32) (param $fx i32) (param $gx i32)
    (param $height i32) (param $width i32) (param $channels i32)
    (param $pw i32) (param $plane i32) (param $outPlane i32)
    (local $y i32) (local $x i32) (local $o i32) (local $b i32) (local $c i32) (local $a i32)
    (local $t i32) (local $d i32) (local $g f64)
    (local $w00 f64) (local $w01 f64) (local $w10 f64) (local $w11 f64)
    (local $fyv f64) (local $gyv f64) (local $fxv f64) (local $gxv f64)
    (local $pwb i32) (local $planeb i32) (local $outPlaneb i32)
    (local $r i32)
    (local.set $pwb (i32.shl (local.get $pw) (i32.const 2)))
    (local.set $planeb (i32.shl (local.get $plane) (i32.const 2)))
    (local.set $outPlaneb (i32.shl (local.get $outPlane) (i32.const 2)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_s (local.get $y) (local.get $height)))
        (local.set $fyv (f64.load (i32.add (local.get $fy) (i32.shl (local.get $y) (i32.const 3)))))
        (local.set $gyv (f64.load (i32.add (local.get $gy) (i32.shl (local.get $y) (i32.const 3)))))
        (local.set $r (i32.load (i32.add (local.get $rowBase) (i32.shl (local.get $y) (i32.const 2)))))
        (local.set $x (i32.const 0))
        (block $colsDone
          (loop $col
            (br_if $colsDone (i32.ge_s (local.get $x) (local.get $width)))
            (local.set $fxv (f64.load (i32.add (local.get $fx) (i32.shl (local.get $x) (i32.const 3)))))
            (local.set $gxv (f64.load (i32.add (local.get $gx) (i32.shl (local.get $x) (i32.const 3)))))
            (local.set $b (i32.add (local.get $r)
              (i32.load (i32.add (local.get $colBase) (i32.shl (local.get $x) (i32.const 2))))))
            (local.set $w00 (f64.mul (local.get $gyv) (local.get $gxv)))
            (local.set $w01 (f64.mul (local.get $gyv) (local.get $fxv)))
            (local.set $w10 (f64.mul (local.get $fyv) (local.get $gxv)))
            (local.set $w11 (f64.mul (local.get $fyv) (local.get $fxv)))
            ;; acc[b…] += w·grad[c·outPlane + o] in float32, channel by channel
            (local.set $a (i32.add (local.get $buf) (i32.shl (local.get $b) (i32.const 2))))
            (local.set $t (i32.add (local.get $data) (i32.shl (local.get $o) (i32.const 2))))
            (local.set $c (i32.const 0))
            (block $channelsDone
              (loop $channel
                (br_if $channelsDone (i32.ge_s (local.get $c) (local.get $channels)))
                (local.set $g (f64.promote_f32 (f32.load (local.get $t))))
                (f32.store (local.get $a)
                  (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load (local.get $a)))
                    (f64.mul (local.get $w00) (local.get $g)))))
                (f32.store offset=4 (local.get $a)
                  (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load offset=4 (local.get $a)))
                    (f64.mul (local.get $w01) (local.get $g)))))
                (local.set $d (i32.add (local.get $a) (local.get $pwb)))
                (f32.store (local.get $d)
                  (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load (local.get $d)))
                    (f64.mul (local.get $w10) (local.get $g)))))
                (f32.store offset=4 (local.get $d)
                  (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load offset=4 (local.get $d)))
                    (f64.mul (local.get $w11) (local.get $g)))))
                (local.set $a (i32.add (local.get $a) (local.get $planeb)))
                (local.set $t (i32.add (local.get $t) (local.get $outPlaneb)))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $channel)))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $col)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $row))))

  ;; A general affine sampling, from its matrix: source y = ay·y + by·x + cy, x likewise.
  (func (export "affineSample")
    (param $buf i32) (param $data i32)
    (param $ay f64) (param $by f64) (param $cy f64) (param $ax f64) (param $bx f64) (param $cx f64)
    (param $top i32) (param $left i32)
    (param $height i32) (param $width i32) (param $channels i32)
    (param $pw i32) (param $plane i32) (param $outPlane i32)
    (local $y i32) (local $x i32) (local $o i32) (local $b i32) (local $c i32) (local $a i32)
    (local $t i32) (local $d i32) (local $g f64)
    (local $w00 f64) (local $w01 f64) (local $w10 f64) (local $w11 f64)
    (local $fyv f64) (local $gyv f64) (local $fxv f64) (local $gxv f64)
    (local $pwb i32) (local $planeb i32) (local $outPlaneb i32)
    (local $yf f64) (local $xf f64) (local $sy f64) (local $sx f64) (local $y0 f64) (local $x0 f64)
    (local.set $pwb (i32.shl (local.get $pw) (i32.const 3)))
    (local.set $planeb (i32.shl (local.get $plane) (i32.const 3)))
    (local.set $outPlaneb (i32.shl (local.get $outPlane) (i32.const 2)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_s (local.get $y) (local.get $height)))
        (local.set $yf (f64.convert_i32_s (local.get $y)))
        (local.set $x (i32.const 0))
        (block $colsDone
          (loop $col
            (br_if $colsDone (i32.ge_s (local.get $x) (local.get $width)))
            (local.set $xf (f64.convert_i32_s (local.get $x)))
            (local.set $sy (f64.add (f64.add (f64.mul (local.get $ay) (local.get $yf))
              (f64.mul (local.get $by) (local.get $xf))) (local.get $cy)))
            (local.set $sx (f64.add (f64.add (f64.mul (local.get $ax) (local.get $yf))
              (f64.mul (local.get $bx) (local.get $xf))) (local.get $cx)))
            (local.set $y0 (f64.floor (local.get $sy)))
            (local.set $x0 (f64.floor (local.get $sx)))
            (local.set $fyv (f64.sub (local.get $sy) (local.get $y0)))
            (local.set $fxv (f64.sub (local.get $sx) (local.get $x0)))
            (local.set $gyv (f64.sub (f64.const 1) (local.get $fyv)))
            (local.set $gxv (f64.sub (f64.const 1) (local.get $fxv)))
            (local.set $b (i32.add
              (i32.add
                (i32.mul (i32.add (i32.trunc_f64_s (local.get $y0)) (local.get $top)) (local.get $pw))
                (i32.trunc_f64_s (local.get $x0)))
              (local.get $left)))
            (local.set $w00 (f64.mul (local.get $gyv) (local.get $gxv)))
            (local.set $w01 (f64.mul (local.get $gyv) (local.get $fxv)))
            (local.set $w10 (f64.mul (local.get $fyv) (local.get $gxv)))
            (local.set $w11 (f64.mul (local.get $fyv) (local.get $fxv)))
            ;; out[c·outPlane + o] = w00·s[b] + w01·s[b + 1] + w10·s[b + pw] + w11·s[b + pw + 1]
            (local.set $a (i32.add (local.get $buf) (i32.shl (local.get $b) (i32.const 3))))
            (local.set $t (i32.add (local.get $data) (i32.shl (local.get $o) (i32.const 2))))
            (local.set $c (i32.const 0))
            (block $channelsDone
              (loop $channel
                (br_if $channelsDone (i32.ge_s (local.get $c) (local.get $channels)))
                (f32.store (local.get $t)
                  (f32.demote_f64
                    (f64.add
                      (f64.add
                        (f64.add
                          (f64.mul (local.get $w00) (f64.load (local.get $a)))
                          (f64.mul (local.get $w01) (f64.load offset=8 (local.get $a))))
                        (f64.mul (local.get $w10)
                          (f64.load (i32.add (local.get $a) (local.get $pwb)))))
                      (f64.mul (local.get $w11)
                        (f64.load offset=8 (i32.add (local.get $a) (local.get $pwb)))))))
                (local.set $a (i32.add (local.get $a) (local.get $planeb)))
                (local.set $t (i32.add (local.get $t) (local.get $outPlaneb)))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $channel)))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $col)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $row))))

  ;; Its adjoint.
  (func (export "affineAdjoint")
    (param $buf i32) (param $data i32)
    (param $ay f64) (param $by f64) (param $cy f64) (param $ax f64) (param $bx f64) (param $cx f64)
    (param $top i32) (param $left i32)
    (param $height i32) (param $width i32) (param $channels i32)
    (param $pw i32) (param $plane i32) (param $outPlane i32)
    (local $y i32) (local $x i32) (local $o i32) (local $b i32) (local $c i32) (local $a i32)
    (local $t i32) (local $d i32) (local $g f64)
    (local $w00 f64) (local $w01 f64) (local $w10 f64) (local $w11 f64)
    (local $fyv f64) (local $gyv f64) (local $fxv f64) (local $gxv f64)
    (local $pwb i32) (local $planeb i32) (local $outPlaneb i32)
    (local $yf f64) (local $xf f64) (local $sy f64) (local $sx f64) (local $y0 f64) (local $x0 f64)
    (local.set $pwb (i32.shl (local.get $pw) (i32.const 2)))
    (local.set $planeb (i32.shl (local.get $plane) (i32.const 2)))
    (local.set $outPlaneb (i32.shl (local.get $outPlane) (i32.const 2)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_s (local.get $y) (local.get $height)))
        (local.set $yf (f64.convert_i32_s (local.get $y)))
        (local.set $x (i32.const 0))
        (block $colsDone
          (loop $col
            (br_if $colsDone (i32.ge_s (local.get $x) (local.get $width)))
            (local.set $xf (f64.convert_i32_s (local.get $x)))
            (local.set $sy (f64.add (f64.add (f64.mul (local.get $ay) (local.get $yf))
              (f64.mul (local.get $by) (local.get $xf))) (local.get $cy)))
            (local.set $sx (f64.add (f64.add (f64.mul (local.get $ax) (local.get $yf))
              (f64.mul (local.get $bx) (local.get $xf))) (local.get $cx)))
            (local.set $y0 (f64.floor (local.get $sy)))
            (local.set $x0 (f64.floor (local.get $sx)))
            (local.set $fyv (f64.sub (local.get $sy) (local.get $y0)))
            (local.set $fxv (f64.sub (local.get $sx) (local.get $x0)))
            (local.set $gyv (f64.sub (f64.const 1) (local.get $fyv)))
            (local.set $gxv (f64.sub (f64.const 1) (local.get $fxv)))
            (local.set $b (i32.add
              (i32.add
                (i32.mul (i32.add (i32.trunc_f64_s (local.get $y0)) (local.get $top)) (local.get $pw))
                (i32.trunc_f64_s (local.get $x0)))
              (local.get $left)))
            (local.set $w00 (f64.mul (local.get $gyv) (local.get $gxv)))
            (local.set $w01 (f64.mul (local.get $gyv) (local.get $fxv)))
            (local.set $w10 (f64.mul (local.get $fyv) (local.get $gxv)))
            (local.set $w11 (f64.mul (local.get $fyv) (local.get $fxv)))
            ;; acc[b…] += w·grad[c·outPlane + o] in float32, channel by channel
            (local.set $a (i32.add (local.get $buf) (i32.shl (local.get $b) (i32.const 2))))
            (local.set $t (i32.add (local.get $data) (i32.shl (local.get $o) (i32.const 2))))
            (local.set $c (i32.const 0))
            (block $channelsDone
              (loop $channel
                (br_if $channelsDone (i32.ge_s (local.get $c) (local.get $channels)))
                (local.set $g (f64.promote_f32 (f32.load (local.get $t))))
                (f32.store (local.get $a)
                  (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load (local.get $a)))
                    (f64.mul (local.get $w00) (local.get $g)))))
                (f32.store offset=4 (local.get $a)
                  (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load offset=4 (local.get $a)))
                    (f64.mul (local.get $w01) (local.get $g)))))
                (local.set $d (i32.add (local.get $a) (local.get $pwb)))
                (f32.store (local.get $d)
                  (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load (local.get $d)))
                    (f64.mul (local.get $w10) (local.get $g)))))
                (f32.store offset=4 (local.get $d)
                  (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load offset=4 (local.get $d)))
                    (f64.mul (local.get $w11) (local.get $g)))))
                (local.set $a (i32.add (local.get $a) (local.get $planeb)))
                (local.set $t (i32.add (local.get $t) (local.get $outPlaneb)))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $channel)))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $col)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $row))))
)
