;; AEDAT 4 hot loops for WebAssembly (source of the bytes embedded in wasm-kernels.ts).
;; Rebuild: wat2wasm src/formats/aedat4/kernels.wat --output=- | base64 -w0
;;
;; lz4_block(s, sEnd, dBase, d, dLimit) decodes the block at memory[s, sEnd) to memory from d,
;; with matches allowed back to dBase (linked blocks). Returns the new output end, or
;; -1 (input malformed or truncated), -2 (output would pass dLimit), -3 (match offset 0 or
;; before dBase). Copies move 8 bytes at a time (short ones 16 bytes, unconditionally) and may
;; write up to 15 bytes past the output and read up to 15 bytes past the input: the caller
;; leaves 16 spare bytes after both regions.
(module
  (memory (export "memory") 1)
  (func (export "lz4_block")
    (param $s i32) (param $sEnd i32) (param $dBase i32) (param $d i32) (param $dLimit i32)
    (result i32)
    (local $token i32) (local $lit i32) (local $len i32) (local $b i32)
    (local $off i32) (local $from i32) (local $stop i32) (local $k i32)
    (block $malformed
      (block $overflow
        (block $badoffset
          (loop $sequence
            (br_if $malformed (i32.ge_u (local.get $s) (local.get $sEnd)))
            (local.set $token (i32.load8_u (local.get $s)))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            ;; literal length
            (local.set $lit (i32.shr_u (local.get $token) (i32.const 4)))
            (if (i32.eq (local.get $lit) (i32.const 15))
              (then
                (loop $more_literals
                  (br_if $malformed (i32.ge_u (local.get $s) (local.get $sEnd)))
                  (local.set $b (i32.load8_u (local.get $s)))
                  (local.set $s (i32.add (local.get $s) (i32.const 1)))
                  (local.set $lit (i32.add (local.get $lit) (local.get $b)))
                  (br_if $more_literals (i32.eq (local.get $b) (i32.const 255))))))
            (br_if $malformed (i32.gt_u (i32.add (local.get $s) (local.get $lit)) (local.get $sEnd)))
            (br_if $overflow (i32.gt_u (i32.add (local.get $d) (local.get $lit)) (local.get $dLimit)))
            ;; copy literals: up to 16 in two unconditional 8-byte moves (the common case), else a loop
            (if (i32.le_u (local.get $lit) (i32.const 16))
              (then
                (i64.store (local.get $d) (i64.load (local.get $s)))
                (i64.store offset=8 (local.get $d) (i64.load offset=8 (local.get $s))))
              (else
                (local.set $k (i32.const 0))
                (block $literals_done
                  (loop $copy_literals
                    (br_if $literals_done (i32.ge_u (local.get $k) (local.get $lit)))
                    (i64.store (i32.add (local.get $d) (local.get $k))
                      (i64.load (i32.add (local.get $s) (local.get $k))))
                    (local.set $k (i32.add (local.get $k) (i32.const 8)))
                    (br $copy_literals)))))
            (local.set $s (i32.add (local.get $s) (local.get $lit)))
            (local.set $d (i32.add (local.get $d) (local.get $lit)))
            ;; the last sequence has literals only
            (if (i32.eq (local.get $s) (local.get $sEnd)) (then (return (local.get $d))))
            (br_if $malformed (i32.gt_u (i32.add (local.get $s) (i32.const 2)) (local.get $sEnd)))
            (local.set $off (i32.load16_u (local.get $s)))
            (local.set $s (i32.add (local.get $s) (i32.const 2)))
            (br_if $badoffset (i32.eqz (local.get $off)))
            (br_if $badoffset (i32.gt_u (local.get $off) (i32.sub (local.get $d) (local.get $dBase))))
            ;; match length
            (local.set $len (i32.and (local.get $token) (i32.const 15)))
            (if (i32.eq (local.get $len) (i32.const 15))
              (then
                (loop $more_match
                  (br_if $malformed (i32.ge_u (local.get $s) (local.get $sEnd)))
                  (local.set $b (i32.load8_u (local.get $s)))
                  (local.set $s (i32.add (local.get $s) (i32.const 1)))
                  (local.set $len (i32.add (local.get $len) (local.get $b)))
                  (br_if $more_match (i32.eq (local.get $b) (i32.const 255))))))
            (local.set $len (i32.add (local.get $len) (i32.const 4)))
            (br_if $overflow (i32.gt_u (i32.add (local.get $d) (local.get $len)) (local.get $dLimit)))
            (local.set $from (i32.sub (local.get $d) (local.get $off)))
            (local.set $stop (i32.add (local.get $d) (local.get $len)))
            (if (i32.ge_u (local.get $off) (i32.const 8))
              (then
                ;; every 8-byte read ends before the bytes still to be written
                (if (i32.le_u (local.get $len) (i32.const 16))
                  (then
                    (i64.store (local.get $d) (i64.load (local.get $from)))
                    (i64.store offset=8 (local.get $d) (i64.load offset=8 (local.get $from))))
                  (else
                    (loop $copy8
                      (i64.store (local.get $d) (i64.load (local.get $from)))
                      (local.set $d (i32.add (local.get $d) (i32.const 8)))
                      (local.set $from (i32.add (local.get $from) (i32.const 8)))
                      (br_if $copy8 (i32.lt_u (local.get $d) (local.get $stop)))))))
              (else
                ;; overlapping run (offset 1..7): byte by byte
                (loop $copy1
                  (i32.store8 (local.get $d) (i32.load8_u (local.get $from)))
                  (local.set $d (i32.add (local.get $d) (i32.const 1)))
                  (local.set $from (i32.add (local.get $from) (i32.const 1)))
                  (br_if $copy1 (i32.lt_u (local.get $d) (local.get $stop))))))
            (local.set $d (local.get $stop))
            (br $sequence)))
        (return (i32.const -3)))
      (return (i32.const -2)))
    (i32.const -1))
  ;; Event decoding state, read and written by the host between calls.
  (global $last (export "last") (mut f64) (f64.const -inf))
  (global $offset (export "offset") (mut f64) (f64.const 0))
  (global $repair_wraps (export "repair_wraps") (mut i32) (i32.const 1))
  (global $negative (export "negative") (mut i32) (i32.const 0))
  (global $wraps (export "wraps") (mut i32) (i32.const 0))
  (global $backwards (export "backwards") (mut i32) (i32.const 0))

  ;; events(src, count, t, x, y, p) reads `count` 16-byte Event structs at src (int64 time,
  ;; int16 x, int16 y, bool polarity, 3 pad bytes) and writes the columns t (f64, 8-aligned),
  ;; x, y (u16) and p (u8 0/1). Events with a negative coordinate are dropped ($negative).
  ;; Time: + $offset; a step back of 2^31..2^32+2^31 µs adds 2^32 to $offset when
  ;; $repair_wraps ($wraps); any other step back is clamped to $last ($backwards).
  ;; Returns the number of events written.
  (func (export "events")
    (param $src i32) (param $count i32) (param $t i32) (param $x i32) (param $y i32) (param $p i32)
    (result i32)
    (local $end i32) (local $n i32) (local $xy i32) (local $time f64) (local $last f64) (local $offset f64)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $count) (i32.const 4))))
    (local.set $last (global.get $last))
    (local.set $offset (global.get $offset))
    (block $done
      (loop $event
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $xy (i32.load offset=8 (local.get $src)))
        (if (i32.and (local.get $xy) (i32.const 0x80008000))
          (then
            (global.set $negative (i32.add (global.get $negative) (i32.const 1))))
          (else
            (local.set $time
              (f64.add (f64.convert_i64_s (i64.load (local.get $src))) (local.get $offset)))
            (if (f64.lt (local.get $time) (local.get $last))
              (then
                (if (i32.and
                      (global.get $repair_wraps)
                      (i32.and
                        (f64.gt (f64.sub (local.get $last) (local.get $time)) (f64.const 2147483648))
                        (f64.lt (f64.sub (local.get $last) (local.get $time)) (f64.const 6442450944))))
                  (then
                    (local.set $offset (f64.add (local.get $offset) (f64.const 4294967296)))
                    (local.set $time (f64.add (local.get $time) (f64.const 4294967296)))
                    (global.set $wraps (i32.add (global.get $wraps) (i32.const 1)))))
                (if (f64.lt (local.get $time) (local.get $last))
                  (then
                    (local.set $time (local.get $last))
                    (global.set $backwards (i32.add (global.get $backwards) (i32.const 1)))))))
            (local.set $last (local.get $time))
            (f64.store (i32.add (local.get $t) (i32.shl (local.get $n) (i32.const 3))) (local.get $time))
            (i32.store16 (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 1))) (local.get $xy))
            (i32.store16 (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 1)))
              (i32.shr_u (local.get $xy) (i32.const 16)))
            (i32.store8 (i32.add (local.get $p) (local.get $n))
              (i32.ne (i32.load8_u offset=12 (local.get $src)) (i32.const 0)))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (br $event)))
    (global.set $last (local.get $last))
    (global.set $offset (local.get $offset))
    (local.get $n)))
