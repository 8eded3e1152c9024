;; The per-pixel loop of cached-mapping.ts, in WebAssembly: each pixel's colour looked up in the
;; colour table (one 16-bit slot per 24-bit colour, Morton order), written as its palette position,
;; counted, and its squared error against the 8-bit palette summed. A colour met for the first time
;; is searched for its nearest entry, which fills its slot: in here for RGB (`searchNew`, the same
;; steps as CentreNeighbours.search on the same sorted lists), or by JavaScript (`miss`) for other
;; working spaces. Same labels, counts and error as the TypeScript loop, which stays the
;; reference (pixel-mapper.test.ts compares the two).
;;
;; Memory (64-KB pages, never grown, so JavaScript's views of it stay valid):
;;   0         SPREAD: 256 × u32, each byte's bits spread three apart (Morton order)
;;   1024      rank: 256 × u8, each entry's position in the palette written
;;   1280      palette: 256 × 3 × u8, the rounded palette (entry order)
;;   2048      counts: 256 × u32, pixels mapped to each entry
;;   4096      pixels: up to 8192 × 3 × u8, the run being mapped (copied in by JavaScript)
;;   32768     labels: up to 8192 × u8, the run's palette positions (copied out by JavaScript)
;;   65536     centres: 256 × 3 × f64, the palette in the working space (RGB)
;;   73728     nearestGaps: 256 × f64, each entry's distance to its nearest other entry
;;   81920     order: 256 × 255 × u16, each entry's others, nearest first (CentreNeighbours)
;;   212992    gaps: 256 × 255 × f64, their distances
;;   1 MB      slots: 2^24 × u16, entry + 1 of each colour met; 0 = not met yet
;;   33 MB     cellGuesses: 2^18 × u16, entry + 1 last found in each 6-bit cell; 0 = none yet
;;
;; Before the mapping, the same memory counts the colours of the clustering sample (`countRun`,
;; colour-histogram.ts's hash table: first-sight order, counts, each pixel's colour index), in
;; the slots' place: keys (1 MB), slots (9 MB), colours (17 MB), counts (25 MB), 2^21 of each,
;; and each run's colour indices at 40960 (u32, over the centres, which are set later).
;; `clearCounting` zeroes what it used, so the slots are all zero again for the mapping.
;; Generated into map-pixels-binary.ts by scripts/build-wasm.mjs.
(module
  (import "mapping" "miss" (func $miss (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 536)
  ;; The entry of the run's last pixel: the next run's first search starts from it.
  (global $lastLabel (export "lastLabel") (mut i32) (i32.const 0))
  ;; 1: new colours are searched in here (RGB); 0: by `miss`.
  (global $searchHere (export "searchHere") (mut i32) (i32.const 0))
  ;; Entries, and the lists' bucket width (CentreNeighbours.search's slack), for searchNew.
  (global $entries (export "entries") (mut i32) (i32.const 0))
  (global $bucket (export "bucket") (mut f64) (f64.const 0))
  ;; Colours searched in here since it was last set to 0.
  (global $uniqueColours (export "uniqueColours") (mut i32) (i32.const 0))

  ;; Counting: distinct colours so far, and the previous pixel's colour and index.
  (global $colours (export "colours") (mut i32) (i32.const 0))
  (global $lastKey (mut i32) (i32.const -1))
  (global $lastIndex (mut i32) (i32.const 0))

  ;; Counts the run's `count` pixels (at 4096) into the table, their colour indices to 40960.
  ;; Returns the distinct colours so far, or -1 when the table is full (the caller counts in
  ;; TypeScript instead).
  (func (export "countRun") (param $count i32) (result i32)
    (local $p i32) (local $at i32) (local $key i32) (local $h i32) (local $slot i32) (local $index i32)
    (block $done
      (loop $pixel
        (br_if $done (i32.ge_u (local.get $p) (local.get $count)))
        (local.set $at (i32.add (i32.const 4096) (i32.mul (local.get $p) (i32.const 3))))
        (local.set $key (i32.or (i32.or
          (i32.shl (i32.load8_u (local.get $at)) (i32.const 16))
          (i32.shl (i32.load8_u offset=1 (local.get $at)) (i32.const 8)))
          (i32.load8_u offset=2 (local.get $at))))
        (if (i32.ne (local.get $key) (global.get $lastKey))
          (then
            ;; Fibonacci hashing into 2^21 slots, then the next free or matching slot.
            (local.set $h (i32.shr_u (i32.mul (local.get $key) (i32.const 0x9e3779b1)) (i32.const 11)))
            (block $found
              (loop $probe
                (local.set $slot (i32.load offset=9437184 (i32.shl (local.get $h) (i32.const 2))))
                (if (i32.eqz (local.get $slot))
                  (then
                    (if (i32.ge_u (global.get $colours) (i32.const 1048576)) (then (return (i32.const -1))))
                    (local.set $index (global.get $colours))
                    (global.set $colours (i32.add (local.get $index) (i32.const 1)))
                    (i32.store offset=9437184 (i32.shl (local.get $h) (i32.const 2)) (global.get $colours))
                    (i32.store offset=1048576 (i32.shl (local.get $h) (i32.const 2)) (local.get $key))
                    (i32.store offset=17825792 (i32.shl (local.get $index) (i32.const 2)) (local.get $key))
                    (br $found)))
                (if (i32.eq (i32.load offset=1048576 (i32.shl (local.get $h) (i32.const 2))) (local.get $key))
                  (then
                    (local.set $index (i32.sub (local.get $slot) (i32.const 1)))
                    (br $found)))
                (local.set $h (i32.and (i32.add (local.get $h) (i32.const 1)) (i32.const 2097151)))
                (br $probe)))
            (global.set $lastKey (local.get $key))
            (global.set $lastIndex (local.get $index))))
        (local.set $at (i32.shl (global.get $lastIndex) (i32.const 2)))
        (i32.store offset=26214400 (local.get $at) (i32.add (i32.load offset=26214400 (local.get $at)) (i32.const 1)))
        (i32.store offset=40960 (i32.shl (local.get $p) (i32.const 2)) (global.get $lastIndex))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pixel)))
    (global.get $colours))

  ;; Zeroes what counting used (the keys and slots, and the colours and counts written), so the
  ;; slots are all zero for the mapping; and resets the counting.
  (func (export "clearCounting")
    (memory.fill (i32.const 1048576) (i32.const 0) (i32.const 16777216))
    (memory.fill (i32.const 17825792) (i32.const 0) (i32.shl (global.get $colours) (i32.const 2)))
    (memory.fill (i32.const 26214400) (i32.const 0) (i32.shl (global.get $colours) (i32.const 2)))
    (global.set $colours (i32.const 0))
    (global.set $lastKey (i32.const -1))
    (global.set $lastIndex (i32.const 0)))

  ;; Squared distance from (r, g, b) to entry `c`'s centre, summed in CentreNeighbours' order.
  (func $squared (param $r f64) (param $g f64) (param $b f64) (param $c i32) (result f64)
    (local $at i32) (local $d f64) (local $sum f64)
    (local.set $at (i32.add (i32.const 65536) (i32.mul (local.get $c) (i32.const 24))))
    (local.set $d (f64.sub (local.get $r) (f64.load (local.get $at))))
    (local.set $sum (f64.mul (local.get $d) (local.get $d)))
    (local.set $d (f64.sub (local.get $g) (f64.load offset=8 (local.get $at))))
    (local.set $sum (f64.add (local.get $sum) (f64.mul (local.get $d) (local.get $d))))
    (local.set $d (f64.sub (local.get $b) (f64.load offset=16 (local.get $at))))
    (f64.add (local.get $sum) (f64.mul (local.get $d) (local.get $d))))

  ;; A colour met for the first time: its nearest entry, searched from the entry last found for its
  ;; 6-bit cell or else `previous` (cached-mapping.ts's mapNewColour), entered in the table.
  (func $searchNew (param $r i32) (param $g i32) (param $b i32) (param $key i32) (param $previous i32) (result i32)
    (local $x f64) (local $y f64) (local $z f64) (local $cell i32) (local $guess i32)
    (local $guessDistance f64) (local $best i32) (local $bestDistance f64) (local $base i32)
    (local $j i32) (local $last i32) (local $c i32) (local $d f64)
    (local.set $x (f64.convert_i32_u (local.get $r)))
    (local.set $y (f64.convert_i32_u (local.get $g)))
    (local.set $z (f64.convert_i32_u (local.get $b)))
    (local.set $cell (i32.or (i32.or
      (i32.shl (i32.shr_u (local.get $r) (i32.const 2)) (i32.const 12))
      (i32.shl (i32.shr_u (local.get $g) (i32.const 2)) (i32.const 6)))
      (i32.shr_u (local.get $b) (i32.const 2))))
    (local.set $guess (i32.load16_u offset=34603008 (i32.shl (local.get $cell) (i32.const 1))))
    (local.set $guess (select
      (i32.sub (local.get $guess) (i32.const 1))
      (local.get $previous)
      (local.get $guess)))
    (local.set $guessDistance (f64.sqrt (call $squared (local.get $x) (local.get $y) (local.get $z) (local.get $guess))))
    (local.set $best (local.get $guess))
    (block $found
      ;; Closer than half the gap to the guess's nearest neighbour: no entry can be closer.
      (br_if $found (f64.lt
        (f64.mul (f64.const 2) (local.get $guessDistance))
        (f64.load offset=73728 (i32.shl (local.get $guess) (i32.const 3)))))
      (local.set $bestDistance (local.get $guessDistance))
      (local.set $last (i32.sub (global.get $entries) (i32.const 1)))
      (local.set $base (i32.mul (local.get $guess) (local.get $last)))
      (block $stop
        (loop $next
          (br_if $stop (i32.ge_u (local.get $j) (local.get $last)))
          (br_if $stop (f64.ge
            (f64.load offset=212992 (i32.shl (i32.add (local.get $base) (local.get $j)) (i32.const 3)))
            (f64.add (f64.add (local.get $guessDistance) (local.get $bestDistance)) (global.get $bucket))))
          (local.set $c (i32.load16_u offset=81920 (i32.shl (i32.add (local.get $base) (local.get $j)) (i32.const 1))))
          (local.set $d (f64.sqrt (call $squared (local.get $x) (local.get $y) (local.get $z) (local.get $c))))
          (if (i32.or
                (f64.lt (local.get $d) (local.get $bestDistance))
                (i32.and (f64.eq (local.get $d) (local.get $bestDistance)) (i32.lt_u (local.get $c) (local.get $best))))
            (then
              (local.set $bestDistance (local.get $d))
              (local.set $best (local.get $c))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $next))))
    (i32.store16 offset=34603008 (i32.shl (local.get $cell) (i32.const 1)) (i32.add (local.get $best) (i32.const 1)))
    (i32.store16 offset=1048576 (i32.shl (local.get $key) (i32.const 1)) (i32.add (local.get $best) (i32.const 1)))
    (global.set $uniqueColours (i32.add (global.get $uniqueColours) (i32.const 1)))
    (local.get $best))

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
          (then (local.set $label (if (result i32) (global.get $searchHere)
            (then (call $searchNew (local.get $r) (local.get $g) (local.get $b) (local.get $key) (local.get $label)))
            (else (call $miss (local.get $r) (local.get $g) (local.get $b) (local.get $key) (local.get $label))))))
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
