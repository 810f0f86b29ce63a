"""A second held-out table for the privacy guard.

Written apart from the guard and the other tables, after the guard's last change, and
used only to measure it, never to tune it, so its precision and recall are an honest
estimate. Each CAUGHT text carries the first finding it holds, in the order NHS_NUMBER,
DATE_OF_BIRTH, RECORD_NUMBER, BED_WITH_NAME, TITLE_AND_SURNAME. The current year is
taken to be 2026.
"""

from nudges.privacy import Finding

CAUGHT: list[tuple[str, Finding]] = [
    ("shoutout to priya for chasing teh CT for 972 820 7840 all morning", Finding.NHS_NUMBER),
    (
        "NHS number 9339454588 - can someone check the discharge letter went to the GP?",
        Finding.NHS_NUMBER,
    ),
    (
        "For the Pause tonight: 903-999-4234, a lovely man who loved his crosswords",
        Finding.NHS_NUMBER,
    ),
    (
        "Huge thanks to the night team who looked after 9406980541 so gently at the end",
        Finding.NHS_NUMBER,
    ),
    (
        "nhs no. 990.503.7276 family arriving 3pm, can we have the quiet room ready",
        Finding.NHS_NUMBER,
    ),
    (
        "Pt NHS 906/774/6479 transferred to ICU, thank you resus team for an amazing job",
        Finding.NHS_NUMBER,
    ),
    (
        "Dedication for 988 825 3484 and all the staff on Ward 7 who knew her for years",
        Finding.NHS_NUMBER,
    ),
    ("THANK YOU TO EVERYONE ON NIGHTS FOR 9983861437, YOU WERE AMAZING", Finding.NHS_NUMBER),
    ("Please pause for the patient NHS#9584337343, passed peacefully at 04:10", Finding.NHS_NUMBER),
    ("kudos to Tom in ED for spotting the sepsis early on 979 958 3667", Finding.NHS_NUMBER),
    (
        "Could we do a shout out for the HCAs who sat with 941-580-2316 overnight?",
        Finding.NHS_NUMBER,
    ),
    (
        "nhs 9766573506 - thanks Jo for the end of life care plan, really thoughtful",
        Finding.NHS_NUMBER,
    ),
    (
        "The Pause: for 966.875.5820, who we cared for on and off since the spring",
        Finding.NHS_NUMBER,
    ),
    (
        "Gr8 work theatres team on the emergency laparotomy for 9924631838 last night",
        Finding.NHS_NUMBER,
    ),
    (
        "Paeds: thank you Becky for the play therapy with 986 252 4057, he was beaming",
        Finding.NHS_NUMBER,
    ),
    (
        "Community nursing: well done on the syringe driver visit for NHS No: 944 655 6902",
        Finding.NHS_NUMBER,
    ),
    ("Ref 9601372687 - shoutout Amira for sorting the hospice bed so quickly", Finding.NHS_NUMBER),
    (
        "Nudge: follow up with the team who cared for nhs number 917/463/0288 this week",
        Finding.NHS_NUMBER,
    ),
    (
        "shoutout for the team who looked after the lady DOB 12/03/1938 so kindly",
        Finding.DATE_OF_BIRTH,
    ),
    ("For the Pause: a gentleman born 4th July 1941, a proud RAF veteran", Finding.DATE_OF_BIRTH),
    ("dob 03.11.52 - thanks everyone for the swift transfer to the hospice", Finding.DATE_OF_BIRTH),
    (
        "Well done NICU for caring for the little one born 02/01/2026, going home today!",
        Finding.DATE_OF_BIRTH,
    ),
    (
        "Thanks Dev for sitting with the man d.o.b. 1947-08-19 until his son arrived",
        Finding.DATE_OF_BIRTH,
    ),
    (
        "Pause dedication: for our lady of 96, born 21 June 1929, who loved the radio",
        Finding.DATE_OF_BIRTH,
    ),
    (
        "For the gentleman we lost today, 17/09/1944 - a real character, we'll miss him",
        Finding.DATE_OF_BIRTH,
    ),
    (
        "Kudos to the ICU crew for patient DOB 07/22/1958, extubated and smiling this AM",
        Finding.DATE_OF_BIRTH,
    ),
    (
        "Date of birth 09/10/1962, thank you to the stroke team for thrombolysis in 20 mins",
        Finding.DATE_OF_BIRTH,
    ),
    (
        "DOB:5/6/48 - a big thank you to the physios for getting him walking again",
        Finding.DATE_OF_BIRTH,
    ),
    (
        "For the baby girl born 11.01.2026 and her parents, from all of us on delivery suite",
        Finding.DATE_OF_BIRTH,
    ),
    (
        "Huge thanks to the HCAs who cared for the lady born on 2nd Feb 1933 this week",
        Finding.DATE_OF_BIRTH,
    ),
    ("THE PAUSE: FOR THE GENTLEMAN DOB 14/08/1940 AND HIS FAMILY", Finding.DATE_OF_BIRTH),
    ("great teamwork in resus today for the 19 y/o, dob 23/04/2006", Finding.DATE_OF_BIRTH),
    (
        (
            "Thanks to the community team who visited the gentleman (b. 18/03/1945) every day this"
            " month"
        ),
        Finding.DATE_OF_BIRTH,
    ),
    (
        "Remembering the patient we lost on nights, born March 3, 1950, a retired teacher",
        Finding.DATE_OF_BIRTH,
    ),
    (
        "pt 06/12/1931 passed away this am, thank you all for the care you gave",
        Finding.DATE_OF_BIRTH,
    ),
    (
        "bday 25/12/1955 - the ward threw her a little party with cake, thank you everyone",
        Finding.DATE_OF_BIRTH,
    ),
    ("MRN 4478123 - thanks to the team for the smooth discharge today", Finding.RECORD_NUMBER),
    ("RXH4471920 went home today, thank you everyone on Ward 12", Finding.RECORD_NUMBER),
    (
        "hospital no. J4478211 is going to the discharge lounge at 11, thanks for the early TTOs",
        Finding.RECORD_NUMBER,
    ),
    (
        "Unit number 0987312, lovely family, please can we offer them a cup of tea",
        Finding.RECORD_NUMBER,
    ),
    ("patient ID 88213904 - shoutout to pharmacy for the rapid TTOs", Finding.RECORD_NUMBER),
    (
        "MRN# 00451278 great job rapid response team, he's stable on the floor now",
        Finding.RECORD_NUMBER,
    ),
    ("For the Pause: patient RTH0456123, who we looked after for six weeks", Finding.RECORD_NUMBER),
    ("thanks ED for the handover on MRN: 7726510, so clear and calm", Finding.RECORD_NUMBER),
    (
        "Please thank the porters who took RJ12837461 to the mortuary so respectfully",
        Finding.RECORD_NUMBER,
    ),
    ("Hosp # 2011456 - the family want to say thank you to the night staff", Finding.RECORD_NUMBER),
    ("pt id: A0093321 thank you Kemi for the fast bloods", Finding.RECORD_NUMBER),
    ("R1H7743201 - shoutout to the ICU outreach team for the quick review", Finding.RECORD_NUMBER),
    (
        "Medical record number 4412098, thanks Dr Patel's team for the same-day scan",
        Finding.RECORD_NUMBER,
    ),
    ("THANK YOU PAEDS FOR CARING FOR MRN 3390217 OVER THE WEEKEND", Finding.RECORD_NUMBER),
    (
        "the hospital number is 3305812 if anyone wants to send the family a card",
        Finding.RECORD_NUMBER,
    ),
    (
        "Shout out to the midwives for mum with unit no 6621934, twins delivered safely",
        Finding.RECORD_NUMBER,
    ),
    ("RRV9981234 passed away this morning, please join the Pause at 2pm", Finding.RECORD_NUMBER),
    (
        "mrn 0067712 - nice work on the pressure care, sacral sore fully healed",
        Finding.RECORD_NUMBER,
    ),
    ("Rose in bed 4 went home today, thank you all for the care", Finding.BED_WITH_NAME),
    ("shoutout to Sam for staying late with Grace in bay 3", Finding.BED_WITH_NAME),
    (
        "For the Pause: for Bill in side room 2, and everyone who cared for him",
        Finding.BED_WITH_NAME,
    ),
    (
        "thanks to the HCAs for washing and dressing Faith in bed 11 so tenderly",
        Finding.BED_WITH_NAME,
    ),
    (
        "ivy bed 7 is so much brighter today, well done everyone on the delirium care",
        Finding.BED_WITH_NAME,
    ),
    (
        "Mrs Okonkwo in bay 2 bed 5 asked me to pass on her thanks to the night staff",
        Finding.BED_WITH_NAME,
    ),
    (
        "Well done Tom for the lovely chat with Mr Kowalski, bed 14, he was in tears",
        Finding.BED_WITH_NAME,
    ),
    ("bed 9 Arjun - thanks for the quick response to his NEWS of 7", Finding.BED_WITH_NAME),
    ("Cubicle 3: Siobhan's family want to thank the ED nurses", Finding.BED_WITH_NAME),
    ("THANK YOU FOR LOOKING AFTER DOROTHY IN BED 2", Finding.BED_WITH_NAME),
    (
        "Pause for Mohammed from bedspace 12 on ICU, and for his brothers who were with him",
        Finding.BED_WITH_NAME,
    ),
    ("Room 5 - Ms Adeyemi is going home after 3 weeks, brilliant work team", Finding.BED_WITH_NAME),
    (
        "shout out to the physios who got Harold in bay 4 bed 2 up and walking",
        Finding.BED_WITH_NAME,
    ),
    ("for the lady in bed 6, Margaret, who loved her custard creams", Finding.BED_WITH_NAME),
    (
        "Sat with Wojciech in side room 1 till his daughter came, thanks for covering Leah",
        Finding.BED_WITH_NAME,
    ),
    (
        "the family of Miss Begum in room 14 brought in samosas for the whole ward",
        Finding.BED_WITH_NAME,
    ),
    (
        "kudos nights for settling joyce rm 8, first full nights sleep in a week",
        Finding.BED_WITH_NAME,
    ),
    (
        "Bed 10 (Aisha) discharged to her aunt's - thank you safeguarding team",
        Finding.BED_WITH_NAME,
    ),
    ("Please remember Patrick, bed 15, in the Pause at 3pm", Finding.BED_WITH_NAME),
    ("thx Kev for the hoist training with Mr Hughes in bay 6", Finding.BED_WITH_NAME),
    ("our little Leo in cubicle 4 rang the end of treatment bell today!!", Finding.BED_WITH_NAME),
    ("Baby Amara in NICU bedspace 8 is off CPAP, amazing work team", Finding.BED_WITH_NAME),
    (
        "shout out to Fatima for staying with Mr Rahman bed 17 during his cardioversion",
        Finding.BED_WITH_NAME,
    ),
    (
        "Last offices for Eileen in bed 1 this morning were done so gently, thank you Ruth and Kay",
        Finding.BED_WITH_NAME,
    ),
    (
        "dedication - for Kwame (side room 3) and the daughter who sang to him every night",
        Finding.BED_WITH_NAME,
    ),
    ("Hope in bay 5 said the night staff were angels, passing that on", Finding.BED_WITH_NAME),
    (
        "bay 2 bed 4 Mr Lindqvist would like the chaplain, thank you for arranging it",
        Finding.BED_WITH_NAME,
    ),
    (
        "shoutout to Carys for the lovely hand massage she gave Gwen in bed 12",
        Finding.BED_WITH_NAME,
    ),
    ("thanks to everyone who made Sunil's last day in room 9 so peaceful", Finding.BED_WITH_NAME),
    ("Well done ED team with Mrs O'Brien cubicle 6, so calm under pressure", Finding.BED_WITH_NAME),
    ("Bed 3 - Precious went home with her baby today, thank you midwives", Finding.BED_WITH_NAME),
    ("for ray in bed 8 and his wife of 60 years", Finding.BED_WITH_NAME),
    (
        "Huge thank you to ICU for caring for Chen Wei in bedspace 4 over Christmas",
        Finding.BED_WITH_NAME,
    ),
    (
        "Jasmine (bay 1, bed 2) did her first steps post-op, physios you're stars",
        Finding.BED_WITH_NAME,
    ),
    ("thankyou night staff for sitting up with Mr. Abara in side rm 2", Finding.BED_WITH_NAME),
    ("Pause for Ahmed, room 11, who died surrounded by his family", Finding.BED_WITH_NAME),
    ("Shout-out to Jess for getting Doreen in bed 19 her hearing aids back", Finding.BED_WITH_NAME),
    (
        "pls pass on to the team - Mrs Szabo bed 7 says thank you for the birthday cake",
        Finding.BED_WITH_NAME,
    ),
    (
        "Ward 4 bay 3 bed 1, Lucy - thank you for all the pressure care, her skin is intact",
        Finding.BED_WITH_NAME,
    ),
    (
        (
            "Bed 22 Mr Papadopoulos transferred to the hospice, thanks everyone for the rapid "
            "discharge"
        ),
        Finding.BED_WITH_NAME,
    ),
    ("in memory of Daisy from side room 5, our longest stay this year", Finding.BED_WITH_NAME),
    (
        "Shout out to the ICU nurses for Mr. Delgado in room 412, what a recovery",
        Finding.BED_WITH_NAME,
    ),
    (
        (
            "The Pause today is for Mrs Patel, who died peacefully this morning with her family "
            "around her"
        ),
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "thank you everyone who looked after Mr Henderson, he was discharged home today",
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "Mr Adebayo's family have sent in chocolates for the ward, thank you all",
        Finding.TITLE_AND_SURNAME,
    ),
    ("shout out to Kirsty who sat with Mrs Thompson until the end", Finding.TITLE_AND_SURNAME),
    (
        "mrs kaur comfortable overnight, thanks night team for the mouth care",
        Finding.TITLE_AND_SURNAME,
    ),
    ("For Miss Lawson and everyone who cared for her on Ward 10", Finding.TITLE_AND_SURNAME),
    ("MR O'NEILL WENT HOME TODAY AFTER 4 MONTHS, WELL DONE ALL", Finding.TITLE_AND_SURNAME),
    (
        "Ms Nakamura's daughter asked us to thank the nurses who cared for her mum",
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "Mx Rivers was discharged today - thank you all for getting their pronouns right all week",
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "RIP Mr Ferreira, a true gentleman, thank you to all who nursed him",
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "well done Kat for the sensitive chat with Mrs Jankowski's husband about DNACPR",
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "Mrs Mensah passed away at 2am, her son wanted to thank the night staff",
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "great job settling Mr Ivanov after his fall, he's comfortable now",
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "big thanks to pharmacy for getting Mrs Goldberg's meds up so she could go home before 5",
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "Pause dedication for Mr Murphy, who was a patient on our ward on and off for years",
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "Looking after Mrs Evans today was a privilige, thank you to her family for the cake",
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "Mr Chowdhury's wife asked me to thank everyone on the stroke unit",
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "Thx everyone for keeping Mrs Haddad comfortable in her last hours",
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "mr. wright's family said the hospice transfer went perfectly, thanks discharge team",
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "For Miss Achterberg who died today, and the student nurses who sat with her",
        Finding.TITLE_AND_SURNAME,
    ),
    (
        (
            "sat with Mrs Dlamini this afternoon while she waited for theatre, she says thank you "
            "to everyone"
        ),
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "Mr Takahashi has been discharged to rehab, lovely to see him smiling",
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "Shoutout to Dan, who found Mrs MacLeod's wedding ring in the laundry for her family",
        Finding.TITLE_AND_SURNAME,
    ),
    (
        "Ms Flores thanked us all as she left the labour ward with her twins",
        Finding.TITLE_AND_SURNAME,
    ),
]

LEFT_ALONE: list[str] = [
    "Mr Okoye is operating all day, please bleep his reg instead",
    "Huge thanks to Miss Chen our consultant for the teaching on the ward round",
    "Sister Ray ran the ward single handed on Sunday, legend",
    "Dr Ali stayed 2 hours after her shift to finish the discharges",
    "shoutout to Matron Hughes for fighting for our extra HCA shift",
    "Thanks Mrs Collins, our ward manager, for getting the rota out 6 weeks ahead",
    "Mr Singh (orthopaedic consultant) did the teaching session - thank you!",
    "Welcome to our new registrar Dr Oyelaran, joining us from Leeds",
    "Big thank you to Ms Fraser, the lead midwife, for covering the labour ward",
    "porter Dave got the bloods to the lab in record time, star",
    "Prof Kapoor's ward round finished on time today, a first!",
    "Mr Brennan the anaesthetist made the emergency list fun for the students",
    "thank you to Miss Adeleke and the vascular team for the teaching today",
    "Charge nurse Mike covered the whole of bay B on his own - thank you",
    "Staff Nurse Chloe Barnes passed her preceptorship, congrats!!",
    "Our chaplain Rev Thomas was a real comfort to the team today",
    "SHOUTOUT TO DR MENSAH FOR THE BEST HANDOVER EVER",
    "Thanks Mr Rossi for coming in on his day off for the trauma list",
    "/shoutout @sam.k for staying late to help the family in bay 3",
    "@priya thank you for covering my break, you're a star",
    "Big thanks to Leanne and Josh for the stock check, the store room looks amazing",
    "shoutout @tom.b @ellie for the sepsis six teaching",
    "Thank you Grace for making everyone tea at 4am",
    "well done Rose on passing your OSCE!",
    "kudos to Bill in estates for fixing the shower room so fast",
    "Faith and Ivy, thank you for the fab handover this morning",
    "Thanks Kemi, Wojciech and Anita for staying late to help with admissions",
    "@channel big thank you to the bank staff who helped us out this weekend",
    "for the lady in bed 9 and all the staff who sat with her",
    "Bay 4 was so calm today, well done evryone",
    "Thanks to whoever restocked side room 2, lifesaver",
    "bed 12 is ready for the next admission, thanks housekeeping",
    "shoutout to the team in bays 1-3 for the teamwork on a really busy late",
    "For the young man in resus 2 and the team who fought so hard for him",
    "The family in room 8 asked me to thank the whole ward",
    "bed 5 norovirus - please barrier nurse, thanks team for being so careful",
    "Well done on spotting the sepsis in bay 2 bed 4 so quickly",
    "delirium in bed 3 settled overnight with the 1:1, great work",
    "C. diff in side room 4, thanks for keeping the door closed and using the yellow bins",
    "Bed 8 NEWS 6 escalated within 10 mins - textbook, well done",
    "thanks for the 2 hourly turns in bay 5, no new pressure damage this week!",
    "bay 6 bed 2 bloods due at 14:00 - thanks to the phlebotomist for squeezing them in",
    "IV fluids in bed 10 ran through on time all night, nice one nights",
    "side room 1 MRSA, barrier nursing in place, thanks all",
    "cubicle 2 on 15 min obs, brilliant vigilance from the HCAs",
    "syringe driver in bed 7 checked and documented every 4 hrs, lovely work",
    "Thank you for the new slide sheets in bay 3, my back thanks you",
    "Bedspace 6 off the ventilator and on high flow, amazing ICU team",
    "room 3 falls sensor working again, thanks estates",
    "Well done for catching the AKI in bed 14 early, fluids up and creatinine coming down",
    "BED 2 COVID POSITIVE - FFP3 MASKS PLEASE, THANK YOU TEAM",
    "Ward awards night is on 14/03/2026, tickets from the ward office",
    "Thanks to everyone who worked on 25/12/2025, you made Christmas special for the patients",
    "Team away day booked for 3rd June 2026 - save the date!",
    "CQC visit 2026-05-12, well done everyone for the prep",
    "Mandatory training due by 30 Sept, please book your slot",
    "shout out to night shift on the 14th, 9 admissions and nobody missed a break",
    "Nudge: check in with the team after the arrest at 03:40",
    "Lovely work on the 4 hourly paracetamol 1g across bay 1, nobody got a late dose",
    "Proud to work with people who were born to care 💙",
    "Norovirus closed bays 1 and 4 - thank you all for the extra cleaning",
    "We hit 100% on the hand hygiene audit for March 2026",
    "Great documentation of morphine 2.5mg PRN doses, the CD audit was spotless",
    "Rota from 01/02/2027 onwards is up in the staff room",
    "Babies delivered this week: 23! Well done delivery suite",
    "Pause at 10:30 in the day room, all welcome",
    "If the family need us, the ward phone is 01632 960123",
    "Bleep 4421 for the outreach team, they were fab today",
    "ext 6603 for bed management, thanks for finding us a bed so quick",
    "Chaplaincy is on 0161 496 0732, they offered to come to the Pause",
    "Spiritual care out of hours: 07700 900461",
    "Bank shift booking ref 2829914976 confirmed - thank you for covering Saturday nights",
    "Datix 4052718396 - thanks for reporting the near miss so clearly",
    "Order no. 1733920453 for the new recliner chairs, thank you League of Friends",
    "Ticket 9251184255 logged with IT for the broken obs machine, thanks Ravi",
    "IT job 4114358618 - printer fixed, thank you!",
    "Huge thanks to the Rainbow Ward team for the charity bake sale",
    "Shoutout to Critical Care Outreach for the NEWS2 teaching",
    "Well done Ward 23 for zero falls this month!",
    "Thanks to the Hospital at Night team for an incredible weekend",
    "Big love to the Nightingale Unit, best team in the trust",
    "Shout out to the Rapid Response team and everyone on the Acute Medical Unit",
    "The butterfly volunteers sat with two families this week, thank you",
    "Well done Victoria Ward on the gold accreditation",
    "Thanks to the Lilac Birth Centre for hosting the student midwives",
    "Eid Mubarak to everyone celebrating, and thanks for covering shifts during Ramadan",
    "Happy Diwali to our night team 🪔",
    "Diolch yn fawr to the whole team 🙏",
    "Maraming salamat po to our Filipino nurses for the Christmas party",
    "Merci beaucoup for all the cover this week ❤️",
    "Dziękuję bardzo, night shift! 💙",
    "Happy Hanukkah and thank you for swapping shifts with me",
    "Medaase to Kofi for the jollof at the team lunch 😋",
    "🎉🎉 well done everyone 🎉🎉",
    "Gracias equipo, fuisteis increíbles anoche",
    "Happy Lunar New Year 🧧 thanks for the dumplings Mei",
    "After a death on the ward, ask how the team is doing",
    "Check in with whoever broke bad news today",
    "Ask your team who needs a debrief after today's arrest",
    "Remind everyone to take their break - even 10 minutes counts",
    "Find one person to thank before you go home",
    "Who stayed late this week? Tell them you noticed",
    "If someone cared for a patient who died today, offer them a cuppa and a chat",
    "Ask the students how they're doing after their first death on placement",
    "Nudge: has everyone had a drink of water today?",
    "For the baby boy we lost on the delivery suite tonight, and for his mum and dad",
    "for all the patients we said goodbye to this month",
    "shout out to the HCA who sang to the gentleman in side room 3, you know who you are",
    "Thank you for the lovely send off for Dr Green, we'll miss him",
    "ty nights for getting all 28 obs done by 6 despite being 2 down",
    "Community team did 47 visits today in the snow, heroes",
    "Theatre 4 turned around in 12 minutes, amazing",
    "Shoutout to the student midwife on her first catch in room 4!",
    "Big thanks to Mr Okafor, our ward clerk, for sorting the notes trolley",
    "Dr Bell and Dr Rose ran the sim training today, brilliant",
    "Grace period for the e-learning extended to Friday",
    "Please don't put NHS numbers in shout-outs! Thanks all",
    "DOB and allergy checks before every drug round - brilliant compliance",
    "Great job on the code in room 12 everyone, debrief at 0800",
    "Shoutout to the night shift RNs on 4 West for holding the floor together",
]
