; sigmatch image: 1 rules, 5 fields, 8 predicates, 10 instructions
fields:
  f0  EventID
  f1  KeyType
  f2  Operation
  f3  KeyName
  f4  SubjectUserSid
rules:
  r0  a8b7899b-0530-4a6a-8cd3-b48e23d97ce0  "CNG User Key Export Outside Known Benign Keys"  medium
predicates:
  p0    eq          EventID "5059"
  p1    eq          KeyType "%%2500"
  p2    eq          KeyType "user key."
  p3    eq          Operation "%%2464"
  p4    eq          Operation "export of persistent cryptographic key."
  p5    prefix      KeyName "tb_"
  p6    eq          KeyName "microsoft connected devices platform device certificate"
  p7    eq          SubjectUserSid "s-1-5-19"
code:
  0000  test   p0, @0001, @0009    ; eq EventID "5059" — evaluate predicate a (memoised per record); go to b if true, else c
  0001  test   p1, @0003, @0002    ; eq KeyType "%%2500" — evaluate predicate a (memoised per record); go to b if true, else c
  0002  test   p2, @0003, @0009    ; eq KeyType "user key." — evaluate predicate a (memoised per record); go to b if true, else c
  0003  test   p3, @0005, @0004    ; eq Operation "%%2464" — evaluate predicate a (memoised per record); go to b if true, else c
  0004  test   p4, @0005, @0009    ; eq Operation "export of persistent cryptographic key." — evaluate predicate a (memoised per record); go to b if true, else c
  0005  test   p5, @0009, @0006    ; prefix KeyName "tb_" — evaluate predicate a (memoised per record); go to b if true, else c
  0006  test   p6, @0009, @0007    ; eq KeyName "microsoft connected devices platform device certificate" — evaluate predicate a (memoised per record); go to b if true, else c
  0007  test   p7, @0009, @0008    ; eq SubjectUserSid "s-1-5-19" — evaluate predicate a (memoised per record); go to b if true, else c
  0008  match  r0                  ; a8b7899b-0530-4a6a-8cd3-b48e23d97ce0 report rule a as matching this record; continue with the next instruction
  0009  halt                       ; stop: the record has been evaluated against every rule
