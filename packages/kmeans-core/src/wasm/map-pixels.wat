;; The per-pixel loop of cached-mapping.ts, in WebAssembly: each pixel's colour looked up in the
;; colour table (one 16-bit slot per 24-bit colour, Morton order), written as its palette position,
;; counted, and its squared error against the 8-bit palette summed. A colour met for the first time
;; is handed to JavaScript (`miss`), which searches its nearest entry and fills its slot; every
;; later pixel of that colour stays in here. Same labels, counts and error as the TypeScript loop,
;; which stays the reference (cached-mapping.test.ts compares the two).
;;
;; Memory (64-KB pages, never grown, so JavaScript's views of it stay valid):
;;   0       SPREAD: 256 × u32, each byte's bits spread three apart (Morton order)
;;   1024    rank: 256 × u8, each entry's position in the palette written
;;   1280    palette: 256 × 3 × u8, the rounded palette (entry order)
;;   2048    counts: 256 × u32, pixels mapped to each entry
;;   4096    pixels: up to 8192 × 3 × u8, the run being mapped (copied in by JavaScript)
;;   32768   labels: up to 8192 × u8, the run's palette positions (copied out by JavaScript)
;;   1 MB    slots: 2^24 × u16, entry + 1 of each colour met; 0 = not met yet (33 MB in all)
;; Generated into map-pixels-binary.ts by scripts/build-wasm.mjs.
(module
  (import "mapping" "miss" (func $miss (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 528)
  ;; The entry of the run's last pixel: the next run's first search starts from it.
  (global $lastLabel (export "lastLabel") (mut i32) (i32.const 0))

  ;; Maps the run's `count` pixels; `label` is the previous pixel's entry. Returns the run's
  ;; summed squared error (an integer, exact as a double).
  (func (export "mapRun") (param $count i32) (param $label i32) (result f64)
    (local $p i32) (local $at i32) (local $r i32) (local $g i32) (local $b i32) (local $key i32)
    (local $slot i32) (local $entry i32) (local $d i32) (local $squared i32) (local $error i64)
    (block $done
      (loop $pixel
        (br_if $done (i32.ge_u (local.get $p) (local.get $count)))
        (local.set $at (i32.add (i32.const 4096) (i32.mul (local.get $p) (i32.const 3))))
        (local.set $r (i32.load8_u (local.get $at)))
        (local.set $g (i32.load8_u offset=1 (local.get $at)))
        (local.set $b (i32.load8_u offset=2 (local.get $at)))
        (local.set $key (i32.or
          (i32.or
            (i32.shl (i32.load (i32.shl (local.get $r) (i32.const 2))) (i32.const 2))
            (i32.shl (i32.load (i32.shl (local.get $g) (i32.const 2))) (i32.const 1)))
          (i32.load (i32.shl (local.get $b) (i32.const 2)))))
        (local.set $slot (i32.load16_u offset=1048576 (i32.shl (local.get $key) (i32.const 1))))
        (if (i32.eqz (local.get $slot))
          (then (local.set $label
            (call $miss (local.get $r) (local.get $g) (local.get $b) (local.get $key) (local.get $label))))
          (else (local.set $label (i32.sub (local.get $slot) (i32.const 1)))))
        (i32.store8 offset=32768 (local.get $p) (i32.load8_u offset=1024 (local.get $label)))
        (local.set $entry (i32.shl (local.get $label) (i32.const 2)))
        (i32.store offset=2048 (local.get $entry)
          (i32.add (i32.load offset=2048 (local.get $entry)) (i32.const 1)))
        (local.set $entry (i32.mul (local.get $label) (i32.const 3)))
        (local.set $d (i32.sub (local.get $r) (i32.load8_u offset=1280 (local.get $entry))))
        (local.set $squared (i32.mul (local.get $d) (local.get $d)))
        (local.set $d (i32.sub (local.get $g) (i32.load8_u offset=1281 (local.get $entry))))
        (local.set $squared (i32.add (local.get $squared) (i32.mul (local.get $d) (local.get $d))))
        (local.set $d (i32.sub (local.get $b) (i32.load8_u offset=1282 (local.get $entry))))
        (local.set $squared (i32.add (local.get $squared) (i32.mul (local.get $d) (local.get $d))))
        (local.set $error (i64.add (local.get $error) (i64.extend_i32_u (local.get $squared))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pixel)))
    (global.set $lastLabel (local.get $label))
    (f64.convert_i64_u (local.get $error)))
)
