; sigmatch image: 1 rules, 6 fields, 10 predicates, 12 instructions
fields:
  f0  Channel
  f1  EventID
  f2  KeyType
  f3  Operation
  f4  KeyName
  f5  SubjectUserSid
rules:
  r0  a8b7899b-0530-4a6a-8cd3-b48e23d97ce0  "CNG User Key Export Outside Known Benign Keys"  medium
predicates:
  p0    is_null     Channel
  p1    eq          Channel "security"
  p2    eq          EventID "5059"
  p3    eq          KeyType "%%2500"
  p4    eq          KeyType "user key."
  p5    eq          Operation "%%2464"
  p6    eq          Operation "export of persistent cryptographic key."
  p7    prefix      KeyName "tb_"
  p8    eq          KeyName "microsoft connected devices platform device certificate"
  p9    eq          SubjectUserSid "s-1-5-19"
code:
  0000  test   p0, @0002, @0001    ; is_null Channel — evaluate predicate p0 (memoised per record); go to @0002 if true, else @0001
  0001  test   p1, @0002, @0011    ; eq Channel "security" — evaluate predicate p1 (memoised per record); go to @0002 if true, else @0011
  0002  test   p2, @0003, @0011    ; eq EventID "5059" — evaluate predicate p2 (memoised per record); go to @0003 if true, else @0011
  0003  test   p3, @0005, @0004    ; eq KeyType "%%2500" — evaluate predicate p3 (memoised per record); go to @0005 if true, else @0004
  0004  test   p4, @0005, @0011    ; eq KeyType "user key." — evaluate predicate p4 (memoised per record); go to @0005 if true, else @0011
  0005  test   p5, @0007, @0006    ; eq Operation "%%2464" — evaluate predicate p5 (memoised per record); go to @0007 if true, else @0006
  0006  test   p6, @0007, @0011    ; eq Operation "export of persistent cryptographic key." — evaluate predicate p6 (memoised per record); go to @0007 if true, else @0011
  0007  test   p7, @0011, @0008    ; prefix KeyName "tb_" — evaluate predicate p7 (memoised per record); go to @0011 if true, else @0008
  0008  test   p8, @0011, @0009    ; eq KeyName "microsoft connected devices platform device certificate" — evaluate predicate p8 (memoised per record); go to @0011 if true, else @0009
  0009  test   p9, @0011, @0010    ; eq SubjectUserSid "s-1-5-19" — evaluate predicate p9 (memoised per record); go to @0011 if true, else @0010
  0010  match  r0                  ; a8b7899b-0530-4a6a-8cd3-b48e23d97ce0 — report rule r0 as matching this record; continue with the next instruction
  0011  halt                       ; stop: the record has been evaluated against every rule
