;; The radix-2 FFT of fv's Fourier image parameterization (packages/core/src/dream/fft.ts,
;; `transform1d` for power-of-two lengths) in WebAssembly: the same bit-reversal, the same
;; butterflies with the same float64 operations in the same order (WebAssembly has no fused
;; multiply-add and rounds like JavaScript), the same final scaling, so the same bits.
;;
;; Addresses are byte offsets into this module's memory, which JavaScript lays out (fft.ts): the
;; signal (re, im: float64, `stride` values apart), scratch rows sr, si (float64), and the tables
;; of the length: cos and sin of −2πk/n (float64), the bit-reversal permutation (int32).
;; Regenerate fft-wasm.ts with `node tools/wasm/build.mjs`.
(module
  (memory (export "memory") 1)

  ;; In-place FFT of length n (a power of two) of re/im; `conj` 1 conjugates the twiddles (the
  ;; inverse); every output is multiplied by f (1, or 1/n for the inverse).
  (func (export "transform")
    (param $re i32) (param $im i32) (param $n i32) (param $stride i32) (param $conj i32)
    (param $f f64) (param $sr i32) (param $si i32) (param $cos i32) (param $sin i32) (param $rev i32)
    (local $i i32) (local $j i32) (local $src i32) (local $strideb i32)
    (local $len i32) (local $half i32) (local $step i32) (local $k i32)
    (local $cr f64) (local $ci f64) (local $a i32) (local $b i32) (local $halfb i32) (local $lenb i32)
    (local $ar f64) (local $ai f64) (local $br f64) (local $bi f64) (local $tr f64) (local $ti f64)
    (local $end i32)
    (local.set $strideb (i32.shl (local.get $stride) (i32.const 3)))
    ;; scratch[reverse[i]] = signal[i]
    (local.set $src (i32.const 0))
    (block $done
      (loop $gather
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $j (i32.shl
          (i32.load (i32.add (local.get $rev) (i32.shl (local.get $i) (i32.const 2))))
          (i32.const 3)))
        (f64.store (i32.add (local.get $sr) (local.get $j))
          (f64.load (i32.add (local.get $re) (local.get $src))))
        (f64.store (i32.add (local.get $si) (local.get $j))
          (f64.load (i32.add (local.get $im) (local.get $src))))
        (local.set $src (i32.add (local.get $src) (local.get $strideb)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $gather)))
    ;; stages: twiddle k once per stage, then its butterflies block by block
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    (local.set $len (i32.const 2))
    (block $stagesDone
      (loop $stage
        (br_if $stagesDone (i32.gt_s (local.get $len) (local.get $n)))
        (local.set $half (i32.shr_s (local.get $len) (i32.const 1)))
        (local.set $halfb (i32.shl (local.get $half) (i32.const 3)))
        (local.set $lenb (i32.shl (local.get $len) (i32.const 3)))
        (local.set $step (i32.div_s (local.get $n) (local.get $len)))
        (local.set $k (i32.const 0))
        (block $twiddlesDone
          (loop $twiddle
            (br_if $twiddlesDone (i32.ge_s (local.get $k) (local.get $half)))
            (local.set $j (i32.shl (i32.mul (local.get $k) (local.get $step)) (i32.const 3)))
            (local.set $cr (f64.load (i32.add (local.get $cos) (local.get $j))))
            (local.set $ci (f64.load (i32.add (local.get $sin) (local.get $j))))
            (if (local.get $conj) (then (local.set $ci (f64.neg (local.get $ci)))))
            (local.set $a (i32.shl (local.get $k) (i32.const 3)))
            (block $blocksDone
              (loop $block
                (br_if $blocksDone (i32.ge_s (local.get $a) (local.get $end)))
                (local.set $b (i32.add (local.get $a) (local.get $halfb)))
                (local.set $br (f64.load (i32.add (local.get $sr) (local.get $b))))
                (local.set $bi (f64.load (i32.add (local.get $si) (local.get $b))))
                (local.set $tr (f64.sub (f64.mul (local.get $br) (local.get $cr))
                  (f64.mul (local.get $bi) (local.get $ci))))
                (local.set $ti (f64.add (f64.mul (local.get $br) (local.get $ci))
                  (f64.mul (local.get $bi) (local.get $cr))))
                (local.set $ar (f64.load (i32.add (local.get $sr) (local.get $a))))
                (local.set $ai (f64.load (i32.add (local.get $si) (local.get $a))))
                (f64.store (i32.add (local.get $sr) (local.get $a)) (f64.add (local.get $ar) (local.get $tr)))
                (f64.store (i32.add (local.get $si) (local.get $a)) (f64.add (local.get $ai) (local.get $ti)))
                (f64.store (i32.add (local.get $sr) (local.get $b)) (f64.sub (local.get $ar) (local.get $tr)))
                (f64.store (i32.add (local.get $si) (local.get $b)) (f64.sub (local.get $ai) (local.get $ti)))
                (local.set $a (i32.add (local.get $a) (local.get $lenb)))
                (br $block)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $twiddle)))
        (local.set $len (i32.shl (local.get $len) (i32.const 1)))
        (br $stage)))
    ;; signal[i] = scratch[i]·f
    (local.set $i (i32.const 0))
    (local.set $src (i32.const 0))
    (block $written
      (loop $scatter
        (br_if $written (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $j (i32.shl (local.get $i) (i32.const 3)))
        (f64.store (i32.add (local.get $re) (local.get $src))
          (f64.mul (f64.load (i32.add (local.get $sr) (local.get $j))) (local.get $f)))
        (f64.store (i32.add (local.get $im) (local.get $src))
          (f64.mul (f64.load (i32.add (local.get $si) (local.get $j))) (local.get $f)))
        (local.set $src (i32.add (local.get $src) (local.get $strideb)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scatter)))
  )
)
