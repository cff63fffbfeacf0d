;; The pair walk's inner loop (lsh.ts PairWalker): of the members at positions [j, e) of a bucket's `order`, those
;; whose 256-bit signature is within `bound` bits of item a's. In JS a popcount is table lookups (16 per pair); here
;; it is four i64.popcnt, about three times faster over the hundreds of millions of pairs of crowded buckets.
;;
;; Memory (the walker's): signatures at sigBase (32 bytes per item), order at orderBase (an i32 per position), and
;; the positions found written from outBase. The first 128 bits are counted first: most pairs are already too far.
;; Regenerate src/embed/hamming-wasm.ts after a change: `node scripts/build-wasm.mjs` (a test checks they agree).
(module
  (import "env" "memory" (memory 1))
  (func (export "close") (param $a i32) (param $j i32) (param $e i32) (param $bound i32)
        (param $sigBase i32) (param $orderBase i32) (param $outBase i32) (result i32)
    (local $a0 i64) (local $a1 i64) (local $a2 i64) (local $a3 i64)
    (local $p i32) (local $q i32) (local $h i64) (local $n i32) (local $b64 i64)
    (local.set $p (i32.add (local.get $sigBase) (i32.shl (local.get $a) (i32.const 5))))
    (local.set $a0 (i64.load (local.get $p)))
    (local.set $a1 (i64.load offset=8 (local.get $p)))
    (local.set $a2 (i64.load offset=16 (local.get $p)))
    (local.set $a3 (i64.load offset=24 (local.get $p)))
    (local.set $b64 (i64.extend_i32_u (local.get $bound)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $e)))
        (local.set $q (i32.add (local.get $sigBase)
          (i32.shl (i32.load (i32.add (local.get $orderBase) (i32.shl (local.get $j) (i32.const 2)))) (i32.const 5))))
        (local.set $h (i64.add
          (i64.popcnt (i64.xor (local.get $a0) (i64.load (local.get $q))))
          (i64.popcnt (i64.xor (local.get $a1) (i64.load offset=8 (local.get $q))))))
        (if (i64.le_u (local.get $h) (local.get $b64))
          (then
            (local.set $h (i64.add (local.get $h) (i64.add
              (i64.popcnt (i64.xor (local.get $a2) (i64.load offset=16 (local.get $q))))
              (i64.popcnt (i64.xor (local.get $a3) (i64.load offset=24 (local.get $q)))))))
            (if (i64.le_u (local.get $h) (local.get $b64))
              (then
                (i32.store (i32.add (local.get $outBase) (i32.shl (local.get $n) (i32.const 2))) (local.get $j))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
    (local.get $n)))
