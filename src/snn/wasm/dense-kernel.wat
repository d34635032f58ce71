;; Dense LIF layer kernel, f64x2 SIMD (two neurons per instruction). The imported memory holds,
;; per layer: weights f32 [inputs][size] (+4 bytes of padding), a f64 [size'], b f64 [size'] and
;; flagged i32 [size'] (out), with size' = size rounded up to even (the padding neuron has a = +∞).
;; A neuron that reached maxSpikes has a = +∞, which makes both tests below false.
;; Source of src/snn/wasm/dense-kernel.ts (regenerate with `node scripts/build-snn-wasm.mjs`).
;;
;; step: settle the interval (xLo, X] and integrate one input row. Per neuron, if
;;   a − b·X + c·X² ≤ 0  or  (2c·xLo < b < 2c·X  and  b² ≥ 4c·a)
;; the neuron may cross: its index goes to `flagged` and its state is left untouched (the caller
;; emits the spikes and integrates it); every other neuron integrates a += w·X², b += w·X.
;; Returns the number flagged.
(module
  (import "env" "memory" (memory 1))
  (func (export "step")
    (param $w i32) (param $a i32) (param $b i32) (param $out i32) (param $n i32)
    (param $X f64) (param $X2 f64) (param $cX2 f64) (param $lo f64) (param $hi f64) (param $fourC f64)
    (result i32)
    (local $i i32) (local $count i32)
    (local $vX v128) (local $vX2 v128) (local $vcX2 v128) (local $vlo v128) (local $vhi v128) (local $v4c v128)
    (local $wv v128) (local $av v128) (local $bv v128) (local $flag v128) (local $zero v128)
    (local.set $vX (f64x2.splat (local.get $X)))
    (local.set $vX2 (f64x2.splat (local.get $X2)))
    (local.set $vcX2 (f64x2.splat (local.get $cX2)))
    (local.set $vlo (f64x2.splat (local.get $lo)))
    (local.set $vhi (f64x2.splat (local.get $hi)))
    (local.set $v4c (f64x2.splat (local.get $fourC)))
    (local.set $zero (f64x2.splat (f64.const 0)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $wv (f64x2.promote_low_f32x4
          (v128.load64_zero (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $av (v128.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $bv (v128.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $flag
          (v128.or
            (f64x2.le
              (f64x2.add (f64x2.sub (local.get $av) (f64x2.mul (local.get $bv) (local.get $vX))) (local.get $vcX2))
              (local.get $zero))
            (v128.and
              (v128.and (f64x2.gt (local.get $bv) (local.get $vlo)) (f64x2.lt (local.get $bv) (local.get $vhi)))
              (f64x2.ge (f64x2.mul (local.get $bv) (local.get $bv)) (f64x2.mul (local.get $v4c) (local.get $av))))))
        (if (v128.any_true (local.get $flag))
          (then
            (if (i64.ne (i64x2.extract_lane 0 (local.get $flag)) (i64.const 0))
              (then
                (i32.store (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))) (local.get $i))
                (local.set $count (i32.add (local.get $count) (i32.const 1)))))
            (if (i64.ne (i64x2.extract_lane 1 (local.get $flag)) (i64.const 0))
              (then
                (i32.store (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2)))
                  (i32.add (local.get $i) (i32.const 1)))
                (local.set $count (i32.add (local.get $count) (i32.const 1)))))))
        ;; integrate the lanes that are not flagged
        (v128.store (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3)))
          (v128.bitselect
            (local.get $av)
            (f64x2.add (local.get $av) (f64x2.mul (local.get $wv) (local.get $vX2)))
            (local.get $flag)))
        (v128.store (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3)))
          (v128.bitselect
            (local.get $bv)
            (f64x2.add (local.get $bv) (f64x2.mul (local.get $wv) (local.get $vX)))
            (local.get $flag)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $pairs)))
    (local.get $count))

  ;; integrate only (inputs at the time already settled): a += w·X², b += w·X
  (func (export "integrate")
    (param $w i32) (param $a i32) (param $b i32) (param $n i32) (param $X f64) (param $X2 f64)
    (local $i i32) (local $vX v128) (local $vX2 v128) (local $wv v128) (local $pa i32) (local $pb i32)
    (local.set $vX (f64x2.splat (local.get $X)))
    (local.set $vX2 (f64x2.splat (local.get $X2)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $wv (f64x2.promote_low_f32x4
          (v128.load64_zero (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $pa (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3))))
        (v128.store (local.get $pa)
          (f64x2.add (v128.load (local.get $pa)) (f64x2.mul (local.get $wv) (local.get $vX2))))
        (v128.store (local.get $pb)
          (f64x2.add (v128.load (local.get $pb)) (f64x2.mul (local.get $wv) (local.get $vX))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $pairs)))))
