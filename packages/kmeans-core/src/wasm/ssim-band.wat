;; One band of rows of ssim.ts's SsimMeter, in WebAssembly, for RGB sources: each row's luma sums
;; per 8-pixel block column (addRow), then each block's SSIM added to the running total
;; (addBandSsim), with the same additions and products in the same order, so the same total to the
;; last bit. The TypeScript functions stay the reference (ssim.test.ts compares the two) and serve
;; RGBA sources and rows wider than this memory holds.
;;
;; Memory (64-KB pages, never grown):
;;   0        paletteLuma: 256 × f64, BT.601 luma of each palette position (computed by JavaScript)
;;   2048     sums: up to 2048 block columns × 6 × f64 (Σx, Σy, Σx², Σy², Σxy, pixel count)
;;   100352   indices: up to 8 rows × 16384 × u8, the band's palette positions (copied in)
;;   231424   source: up to 8 rows × 16384 × 3 × u8, the band's RGB pixels (copied in)
;; Generated into ssim-band-binary.ts by scripts/build-wasm.mjs.
(module
  (memory (export "memory") 10)

  ;; Adds the band's `rows` rows of `width` pixels; returns `total` plus each block's count × SSIM.
  (func (export "addBand") (param $width i32) (param $rows i32) (param $total f64) (result f64)
    (local $columns i32) (local $y i32) (local $c i32) (local $p i32) (local $end i32)
    (local $sx f64) (local $sy f64) (local $sxx f64) (local $syy f64) (local $sxy f64)
    (local $x f64) (local $out f64) (local $at i32) (local $s i32)
    (local $n f64) (local $mx f64) (local $my f64) (local $vx f64) (local $vy f64) (local $cxy f64)
    (local.set $columns (i32.div_u (i32.add (local.get $width) (i32.const 7)) (i32.const 8)))
    (memory.fill (i32.const 2048) (i32.const 0) (i32.mul (local.get $columns) (i32.const 48)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $rows)))
        (local.set $c (i32.const 0))
        (local.set $p (i32.mul (local.get $y) (local.get $width)))
        (block $columnsDone
          (loop $column
            (br_if $columnsDone (i32.ge_u (local.get $c) (local.get $columns)))
            (local.set $end (i32.add
              (select
                (local.get $width)
                (i32.mul (i32.add (local.get $c) (i32.const 1)) (i32.const 8))
                (i32.lt_u (local.get $width) (i32.mul (i32.add (local.get $c) (i32.const 1)) (i32.const 8))))
              (i32.mul (local.get $y) (local.get $width))))
            (local.set $s (i32.add (i32.const 2048) (i32.mul (local.get $c) (i32.const 48))))
            ;; The block's pixel count, added before the pixels move $p on.
            (f64.store offset=40 (local.get $s) (f64.add
              (f64.load offset=40 (local.get $s))
              (f64.convert_i32_u (i32.sub (local.get $end) (local.get $p)))))
            (local.set $sx (f64.const 0))
            (local.set $sy (f64.const 0))
            (local.set $sxx (f64.const 0))
            (local.set $syy (f64.const 0))
            (local.set $sxy (f64.const 0))
            (block $pixelsDone
              (loop $pixel
                (br_if $pixelsDone (i32.ge_u (local.get $p) (local.get $end)))
                (local.set $at (i32.add (i32.const 231424) (i32.mul (local.get $p) (i32.const 3))))
                (local.set $x (f64.add
                  (f64.add
                    (f64.mul (f64.const 0.299) (f64.convert_i32_u (i32.load8_u (local.get $at))))
                    (f64.mul (f64.const 0.587) (f64.convert_i32_u (i32.load8_u offset=1 (local.get $at)))))
                  (f64.mul (f64.const 0.114) (f64.convert_i32_u (i32.load8_u offset=2 (local.get $at))))))
                (local.set $out (f64.load (i32.shl (i32.load8_u offset=100352 (local.get $p)) (i32.const 3))))
                (local.set $sx (f64.add (local.get $sx) (local.get $x)))
                (local.set $sy (f64.add (local.get $sy) (local.get $out)))
                (local.set $sxx (f64.add (local.get $sxx) (f64.mul (local.get $x) (local.get $x))))
                (local.set $syy (f64.add (local.get $syy) (f64.mul (local.get $out) (local.get $out))))
                (local.set $sxy (f64.add (local.get $sxy) (f64.mul (local.get $x) (local.get $out))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $pixel)))
            (f64.store (local.get $s) (f64.add (f64.load (local.get $s)) (local.get $sx)))
            (f64.store offset=8 (local.get $s) (f64.add (f64.load offset=8 (local.get $s)) (local.get $sy)))
            (f64.store offset=16 (local.get $s) (f64.add (f64.load offset=16 (local.get $s)) (local.get $sxx)))
            (f64.store offset=24 (local.get $s) (f64.add (f64.load offset=24 (local.get $s)) (local.get $syy)))
            (f64.store offset=32 (local.get $s) (f64.add (f64.load offset=32 (local.get $s)) (local.get $sxy)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $column)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $row)))
    ;; Each block's SSIM, as addBandSsim computes it.
    (local.set $c (i32.const 0))
    (block $blocksDone
      (loop $block
        (br_if $blocksDone (i32.ge_u (local.get $c) (local.get $columns)))
        (local.set $s (i32.add (i32.const 2048) (i32.mul (local.get $c) (i32.const 48))))
        (local.set $n (f64.load offset=40 (local.get $s)))
        (local.set $mx (f64.div (f64.load (local.get $s)) (local.get $n)))
        (local.set $my (f64.div (f64.load offset=8 (local.get $s)) (local.get $n)))
        (local.set $vx (f64.max (f64.const 0)
          (f64.sub (f64.div (f64.load offset=16 (local.get $s)) (local.get $n)) (f64.mul (local.get $mx) (local.get $mx)))))
        (local.set $vy (f64.max (f64.const 0)
          (f64.sub (f64.div (f64.load offset=24 (local.get $s)) (local.get $n)) (f64.mul (local.get $my) (local.get $my)))))
        (local.set $cxy (f64.sub
          (f64.div (f64.load offset=32 (local.get $s)) (local.get $n))
          (f64.mul (local.get $mx) (local.get $my))))
        (local.set $total (f64.add (local.get $total) (f64.div
          (f64.mul (local.get $n) (f64.mul
            (f64.add (f64.mul (f64.mul (f64.const 2) (local.get $mx)) (local.get $my)) (f64.const 6.502500000000001))
            (f64.add (f64.mul (f64.const 2) (local.get $cxy)) (f64.const 58.522499999999994))))
          (f64.mul
            (f64.add (f64.add (f64.mul (local.get $mx) (local.get $mx)) (f64.mul (local.get $my) (local.get $my))) (f64.const 6.502500000000001))
            (f64.add (f64.add (local.get $vx) (local.get $vy)) (f64.const 58.522499999999994))))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $block)))
    (local.get $total))
)
