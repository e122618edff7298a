; sigmatch image: 2 rules, 4 fields, 6 predicates, 16 instructions
fields:
  f0  Channel
  f1  EventID
  f2  SubjectUserName
  f3  FailureReason
rules:
  r0  00000000-0000-4000-8000-0000000000a1  "Backup by admin"  low
  r1  00000000-0000-4000-8000-0000000000a2  "Backup failure by admin"  medium
predicates:
  p0    is_null     Channel
  p1    eq          Channel "security"
  p2    eq          EventID "4692"
  p3    prefix      SubjectUserName "adm"
  p4    hex_eq      FailureReason "0x0"
  p5    kw_contains * "mimikatz"
code:
  0000  test   p0, @0002, @0001    ; is_null Channel — evaluate predicate p0 (memoised per record); go to @0002 if true, else @0001
  0001  test   p1, @0002, @0009    ; eq Channel "security" — evaluate predicate p1 (memoised per record); go to @0002 if true, else @0009
  0002  test   p2, @0003, @0009    ; eq EventID "4692" — evaluate predicate p2 (memoised per record); go to @0003 if true, else @0009
  0003  test   p3, @0004, @0009    ; prefix SubjectUserName "adm" — evaluate predicate p3 (memoised per record); go to @0004 if true, else @0009
  0004  test   p4, @0009, @0005    ; hex_eq FailureReason "0x0" — evaluate predicate p4 (memoised per record); go to @0009 if true, else @0005
  0005  test   p2, @0006, @0007    ; eq EventID "4692" — evaluate predicate p2 (memoised per record); go to @0006 if true, else @0007
  0006  test   p3, @0008, @0007    ; prefix SubjectUserName "adm" — evaluate predicate p3 (memoised per record); go to @0008 if true, else @0007
  0007  test   p4, @0008, @0009    ; hex_eq FailureReason "0x0" — evaluate predicate p4 (memoised per record); go to @0008 if true, else @0009
  0008  match  r0                  ; 00000000-0000-4000-8000-0000000000a1 — report rule r0 as matching this record; continue with the next instruction
  0009  test   p0, @0011, @0010    ; is_null Channel — evaluate predicate p0 (memoised per record); go to @0011 if true, else @0010
  0010  test   p1, @0011, @0015    ; eq Channel "security" — evaluate predicate p1 (memoised per record); go to @0011 if true, else @0015
  0011  test   p2, @0012, @0015    ; eq EventID "4692" — evaluate predicate p2 (memoised per record); go to @0012 if true, else @0015
  0012  test   p3, @0013, @0015    ; prefix SubjectUserName "adm" — evaluate predicate p3 (memoised per record); go to @0013 if true, else @0015
  0013  test   p5, @0015, @0014    ; kw_contains * "mimikatz" — evaluate predicate p5 (memoised per record); go to @0015 if true, else @0014
  0014  match  r1                  ; 00000000-0000-4000-8000-0000000000a2 — report rule r1 as matching this record; continue with the next instruction
  0015  halt                       ; stop: the record has been evaluated against every rule
