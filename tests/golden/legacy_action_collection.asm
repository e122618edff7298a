; sigmatch image: 2 rules, 2 fields, 4 predicates, 9 instructions
fields:
  f0  Channel
  f1  EventID
rules:
  r0  00000000-0000-4000-8000-0000000000e1  "Legacy collection"  low
  r1  00000000-0000-4000-8000-0000000000e2  "Legacy collection, 4693"  low
predicates:
  p0    is_null     Channel
  p1    eq          Channel "security"
  p2    eq          EventID "4692"
  p3    eq          EventID "4693"
code:
  0000  test   p0, @0002, @0001    ; is_null Channel — evaluate predicate p0 (memoised per record); go to @0002 if true, else @0001
  0001  test   p1, @0002, @0004    ; eq Channel "security" — evaluate predicate p1 (memoised per record); go to @0002 if true, else @0004
  0002  test   p2, @0003, @0004    ; eq EventID "4692" — evaluate predicate p2 (memoised per record); go to @0003 if true, else @0004
  0003  match  r0                  ; 00000000-0000-4000-8000-0000000000e1 — report rule r0 as matching this record; continue with the next instruction
  0004  test   p0, @0006, @0005    ; is_null Channel — evaluate predicate p0 (memoised per record); go to @0006 if true, else @0005
  0005  test   p1, @0006, @0008    ; eq Channel "security" — evaluate predicate p1 (memoised per record); go to @0006 if true, else @0008
  0006  test   p3, @0007, @0008    ; eq EventID "4693" — evaluate predicate p3 (memoised per record); go to @0007 if true, else @0008
  0007  match  r1                  ; 00000000-0000-4000-8000-0000000000e2 — report rule r1 as matching this record; continue with the next instruction
  0008  halt                       ; stop: the record has been evaluated against every rule
