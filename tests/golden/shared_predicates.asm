; sigmatch image: 2 rules, 3 fields, 4 predicates, 12 instructions
fields:
  f0  EventID
  f1  SubjectUserName
  f2  FailureReason
rules:
  r0  00000000-0000-4000-8000-0000000000a1  "Backup by admin"  low
  r1  00000000-0000-4000-8000-0000000000a2  "Backup failure by admin"  medium
predicates:
  p0    eq          EventID "4692"
  p1    prefix      SubjectUserName "adm"
  p2    hex_eq      FailureReason "0x0"
  p3    kw_contains * "mimikatz"
code:
  0000  test   p0, @0001, @0007    ; eq EventID "4692" — evaluate predicate a (memoised per record); go to b if true, else c
  0001  test   p1, @0002, @0007    ; prefix SubjectUserName "adm" — evaluate predicate a (memoised per record); go to b if true, else c
  0002  test   p2, @0007, @0003    ; hex_eq FailureReason "0x0" — evaluate predicate a (memoised per record); go to b if true, else c
  0003  test   p0, @0004, @0005    ; eq EventID "4692" — evaluate predicate a (memoised per record); go to b if true, else c
  0004  test   p1, @0006, @0005    ; prefix SubjectUserName "adm" — evaluate predicate a (memoised per record); go to b if true, else c
  0005  test   p2, @0006, @0007    ; hex_eq FailureReason "0x0" — evaluate predicate a (memoised per record); go to b if true, else c
  0006  match  r0                  ; 00000000-0000-4000-8000-0000000000a1 report rule a as matching this record; continue with the next instruction
  0007  test   p0, @0008, @0011    ; eq EventID "4692" — evaluate predicate a (memoised per record); go to b if true, else c
  0008  test   p1, @0009, @0011    ; prefix SubjectUserName "adm" — evaluate predicate a (memoised per record); go to b if true, else c
  0009  test   p3, @0011, @0010    ; kw_contains * "mimikatz" — evaluate predicate a (memoised per record); go to b if true, else c
  0010  match  r1                  ; 00000000-0000-4000-8000-0000000000a2 report rule a as matching this record; continue with the next instruction
  0011  halt                       ; stop: the record has been evaluated against every rule
