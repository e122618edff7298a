; sigmatch image: 1 rules, 8 fields, 13 predicates, 17 instructions
fields:
  f0  Channel
  f1  EventID
  f2  FailureReason
  f3  RecoveryServer
  f4  MasterKeyId
  f5  RecoveryReason
  f6  SubjectUserName
  f7  Computer
rules:
  r0  00000000-0000-4000-8000-0000000000c1  "Detection shapes"  low
predicates:
  p0    is_null     Channel
  p1    eq          Channel "security"
  p2    eq          EventID "4692"
  p3    hex_eq      FailureReason "0x0"
  p4    eq          EventID "4693"
  p5    contains    RecoveryServer "\\"
  p6    contains    RecoveryServer "dc"
  p7    is_null     MasterKeyId
  p8    eq          RecoveryReason ""
  p9    exists      SubjectUserName
  p10   kw_contains * "mimikatz"
  p11   kw_contains * "sekurlsa"
  p12   suffix      Computer ".lab"
code:
  0000  test   p0, @0002, @0001    ; is_null Channel — evaluate predicate p0 (memoised per record); go to @0002 if true, else @0001
  0001  test   p1, @0002, @0016    ; eq Channel "security" — evaluate predicate p1 (memoised per record); go to @0002 if true, else @0016
  0002  test   p2, @0003, @0004    ; eq EventID "4692" — evaluate predicate p2 (memoised per record); go to @0003 if true, else @0004
  0003  test   p3, @0010, @0004    ; hex_eq FailureReason "0x0" — evaluate predicate p3 (memoised per record); go to @0010 if true, else @0004
  0004  test   p4, @0005, @0007    ; eq EventID "4693" — evaluate predicate p4 (memoised per record); go to @0005 if true, else @0007
  0005  test   p5, @0006, @0007    ; contains RecoveryServer "\\" — evaluate predicate p5 (memoised per record); go to @0006 if true, else @0007
  0006  test   p6, @0010, @0007    ; contains RecoveryServer "dc" — evaluate predicate p6 (memoised per record); go to @0010 if true, else @0007
  0007  test   p7, @0008, @0012    ; is_null MasterKeyId — evaluate predicate p7 (memoised per record); go to @0008 if true, else @0012
  0008  test   p8, @0009, @0012    ; eq RecoveryReason "" — evaluate predicate p8 (memoised per record); go to @0009 if true, else @0012
  0009  test   p9, @0010, @0012    ; exists SubjectUserName — evaluate predicate p9 (memoised per record); go to @0010 if true, else @0012
  0010  test   p10, @0012, @0011   ; kw_contains * "mimikatz" — evaluate predicate p10 (memoised per record); go to @0012 if true, else @0011
  0011  test   p11, @0012, @0014   ; kw_contains * "sekurlsa" — evaluate predicate p11 (memoised per record); go to @0012 if true, else @0014
  0012  test   p10, @0014, @0013   ; kw_contains * "mimikatz" — evaluate predicate p10 (memoised per record); go to @0014 if true, else @0013
  0013  test   p11, @0014, @0016   ; kw_contains * "sekurlsa" — evaluate predicate p11 (memoised per record); go to @0014 if true, else @0016
  0014  test   p12, @0016, @0015   ; suffix Computer ".lab" — evaluate predicate p12 (memoised per record); go to @0016 if true, else @0015
  0015  match  r0                  ; 00000000-0000-4000-8000-0000000000c1 — report rule r0 as matching this record; continue with the next instruction
  0016  halt                       ; stop: the record has been evaluated against every rule
