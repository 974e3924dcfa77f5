# Mesurau Llwyddiant: y catalog Cymraeg. Yr un negeseuon â locales/en/mos.ftl.
#
# ADOLYGU: NEEDS REVIEW BY A WELSH SPEAKER BEFORE GOING LIVE.
# These messages were written with care but not by a first-language Welsh
# speaker or a qualified translator. Before an office publishes in Welsh, its
# translator reads this file through, corrects any message in place (keep the
# id before "=" and every { $argument }), and removes this note. The README's
# "Cymraeg" section says how.

## Misoedd

month-long = { $month ->
    [1] Ionawr
    [2] Chwefror
    [3] Mawrth
    [4] Ebrill
    [5] Mai
    [6] Mehefin
    [7] Gorffennaf
    [8] Awst
    [9] Medi
    [10] Hydref
    [11] Tachwedd
   *[12] Rhagfyr
    }
month-short = { $month ->
    [1] Ion
    [2] Chwef
    [3] Maw
    [4] Ebr
    [5] Mai
    [6] Meh
    [7] Gorff
    [8] Awst
    [9] Medi
    [10] Hyd
    [11] Tach
   *[12] Rhag
    }

## Pob tudalen

product-name = Mesurau Llwyddiant
skip-to-content = Neidio i'r cynnwys
signed-in-as = Wedi mewngofnodi fel { $name }
sign-out = Allgofnodi
analyst-sign-in = Mewngofnodi i ddadansoddwyr
sign-in = Mewngofnodi
nav-label = Amcanion
home = Hafan
objective-number = Amcan { $number }
objective-titled = Amcan { $number }: { $title }
peoples-priorities = Blaenoriaethau'r Bobl
open-data = Data agored
api = API
reevaluation-failed = Methodd yr ailwerthuso am { $at }; y ffigurau a ddangosir yw'r canlyniadau da diwethaf.
schedule-failed = Methodd y pecyn a drefnwyd “{ $schedule }” am { $at }; nid yw pecynnau cynharach wedi newid.
freshness = Data hyd at { $data_to }, llwythwyd { $loaded }{ $snapshot ->
    [none] {""}
   *[other] {" "}(ciplun { $snapshot })
    }
footer-aggregates = Cyfansymiau yw'r ffigurau; caiff niferoedd bach eu hatal lle mae mesur yn dweud hynny. Mae'r eiconau amrywiad a sicrwydd yn dilyn Making Data Count GIG Lloegr.
accessibility-statement = Datganiad hygyrchedd
not-found = Heb ei ganfod
page-not-found = Ni ddaethpwyd o hyd i'r dudalen
back-to-dashboard = Yn ôl i'r dangosfwrdd

## Yr hafan a'r amcanion

home-lede = Sut mae { $plan } yn mynd: pob mesur wedi'i ddarllen gydag ystadegau, fel mai dim ond newidiadau go iawn a elwir yn newidiadau.
measures-count = { $count ->
    [two] { $count } fesur
   *[other] { $count } mesur
    }
targets-tally = Targedau: { $met } wedi'u cyrraedd yn gyson, { $missed } wedi'u methu'n gyson, { $mixed } weithiau wedi'u cyrraedd ac weithiau wedi'u methu.
no-measures-yet = Dim mesurau eto.
restricted-not-shown = { $count ->
    [one] Nid yw { $count } mesur cyfyngedig yn cael ei ddangos
    [two] Nid yw { $count } fesur cyfyngedig yn cael eu dangos
   *[other] Nid yw { $count } mesur cyfyngedig yn cael eu dangos
    }
sign-in-to-see-them = mewngofnodwch i'w gweld.
measures-without-figures = { $count ->
    [one] Nid oes ffigurau gan { $count } mesur: nid yw ei ddetholiad yn y ffolder data.
    [two] Nid oes ffigurau gan { $count } fesur: nid yw eu detholiadau yn y ffolder data.
   *[other] Nid oes ffigurau gan { $count } mesur: nid yw eu detholiadau yn y ffolder data.
    }
summary = Crynodeb
objective-no-measures = Nid oes mesurau wedi'u diffinio ar gyfer yr amcan hwn eto.
theme-measures = Mesurau
priorities-lede = Blaenoriaethau a osododd pobl sy'n byw ac yn gweithio yn { $area } ar gyfer plismona eu cymdogaeth eu hunain, mewn cyfarfodydd cyhoeddus, drwy weithwyr allgymorth ymgysylltu'r Comisiynydd ac ar-lein. Darllenir pob un yn erbyn y misoedd cyn iddi gael ei chodi: dim ond pan fydd y siart SPC yn dangos newid y gelwir newid yn newid.

## Graddau, amrywiad a sicrwydd

grade-requires-scrutiny = Angen craffu
grade-improving = Yn gwella
grade-content = Boddhaol
variation-improvement = Amrywiad achos arbennig: gwelliant
variation-concern = Amrywiad achos arbennig: pryder
variation-neither = Amrywiad achos arbennig: dim gwell na gwaeth
variation-common = Amrywiad achos cyffredin: dim newid arwyddocaol
assurance-met = Targed wedi'i gyrraedd yn gyson
assurance-missed = Targed wedi'i fethu'n gyson
assurance-mixed = Targed weithiau wedi'i gyrraedd, weithiau wedi'i fethu
signal = { $signal ->
    [improvement] Gwelliant
    [concern] Pryder
   *[special_cause] Achos arbennig
    }

## Cerdyn a thudalen mesur

suppressed = Wedi'i atal
suppressed-lower = wedi'i atal
small-number-withheld = nifer fach wedi'i dal yn ôl
no-data = Dim data
interval-95 = cyfwng hyder 95% { $lower } i { $upper }
range = { $lower } i { $upper }
change-no-comparison = Dim cymhariaeth â blwyddyn yn gynharach.
change-significant-rise = I fyny { $size } ers blwyddyn yn gynharach ({ $from }): cynnydd arwyddocaol.
change-significant-fall = I lawr { $size } ers blwyddyn yn gynharach ({ $from }): gostyngiad arwyddocaol.
change-none = Dim newid arwyddocaol ers blwyddyn yn gynharach ({ $from }).
restricted = Cyfyngedig
sign-in-to-see-it = mewngofnodwch i weld y mesur hwn.
restricted-measure = Mesur cyfyngedig
restricted-measure-is = Dim ond dadansoddwyr sydd wedi mewngofnodi sy'n cael gweld “{ $title }”.
for-analysts = I ddadansoddwyr sydd wedi mewngofnodi
commentary-by-analysts = Dadansoddwyr sy'n ysgrifennu'r sylwebaeth, wedi mewngofnodi yn y porwr hwn:
write-commentary = Ysgrifennu sylwebaeth ar y cyfnod diweddaraf
series = Cyfresi
series-all = Y cyfan
by-breakdown = Yn ôl { $breakdown }
every-figure-of = Pob ffigur ar gyfer { $title }
every-figure-of-chart = Pob ffigur yn y siart hwn
priority-raised = Un o Flaenoriaethau'r Bobl ar gyfer { $area }, a godwyd ar { $on }{ $closed ->
    [yes] {"; bellach wedi'i chau"}
   *[no] {""}
    }.
priority-raised-by = Un o Flaenoriaethau'r Bobl ar gyfer { $area }, a godwyd gan { $by } ar { $on }{ $closed ->
    [yes] {"; bellach wedi'i chau"}
   *[no] {""}
    }.
compared-with-peers = O'i gymharu â chymheiriaid:
same-scale = Mae pob siart isod wedi'i dynnu ar yr un raddfa, fel y gellir cymharu'r grwpiau â'r llygad.
no-such-series = Nid oes cyfres o'r fath ar gyfer y mesur hwn.
downloads = Lawrlwythiadau
download-csv = Pob ffigur (CSV)
download-csvw = Beth sydd ym mhob colofn o'r CSV (metadata CSV on the Web)
download-excel = Pob ffigur (Excel)
download-svg = Y siart hwn (SVG)
download-png = Y siart hwn (PNG)
download-json = Pob ffigur (JSON)
published-under = Cyhoeddwyd o dan y
ogl = Drwydded Llywodraeth Agored v3.0
commentary-on = Sylwebaeth ar { $period }
events-on-chart = Digwyddiadau ar y siart:
pack-on = { $pack } ar { $on }
as-published = Fel y'i cyhoeddwyd
as-published-same = Dyma'r ffigurau a gyhoeddwyd yn { $published }.
as-published-and-latest = Fel y'i cyhoeddwyd a'r diweddaraf
as-published-unchanged = Nid oes unrhyw ffigur wedi newid ers y rhai a gyhoeddwyd yn { $published }.
as-published-restated = { $count ->
    [two] Mae { $count } ffigur wedi newid
   *[other] Mae { $count } ffigur wedi newid
    } ers y rhai a gyhoeddwyd yn { $published } (data wedi'i lwytho { $loaded }), wrth i gofnodion gael eu diweddaru neu eu hailddosbarthu:
period = Cyfnod
latest = Diweddaraf
difference = Gwahaniaeth
figures = Ffigurau
every-point = { $title } – pob pwynt
value = Gwerth
ci-95 = Cyfwng hyder 95%
spc-signal = Signal SPC
heading-count = Nifer
heading-values = Gwerthoedd
heading-events = Digwyddiadau
heading-out-of = Allan o
heading-population = Poblogaeth
definition = Diffiniad
as-written-in = Fel y'i hysgrifennwyd yn { $file }
compiles-to = Yr hyn y mae'n ei gyfieithu iddo (SQL DataFusion, fesul mis a grŵp)
provenance = Tarddiad
provenance-loaded = Llwythwyd { $at } o'r diffiniad
provenance-and-extracts = a'r detholiadau hyn:
source = Ffynhonnell
file = Ffeil
rows = Rhesi
rows-rejected = Gwrthodwyd { $rejected } o { $all } rhes o `{ $source }` ac ni chawsant eu cyfrif

## O dan siart

caption-line = y llinell yw'r mesur
caption-band = y band wedi'i liwio yw ei gyfwng hyder 95%
caption-limits-xmr = y llinell lwyd yw'r cymedr a'r llinellau llwyd toredig yw terfynau'r broses (XmR)
caption-limits-prime = y llinell lwyd yw'r cymedr a'r llinellau llwyd toredig yw terfynau'r broses ({ $chart }, rhai Laney: maent yn camu gyda maint pob cyfnod)
marks-said = mae achosion arbennig wedi'u marcio drwy siâp yn ogystal â lliw: trionglau glas yn welliant, sgwariau oren yn bryder, diemwntau porffor yn ddim un o'r ddau
caption-peer-line = y llinell borffor doredig yw cyfradd y grŵp cymheiriaid
caption-event-marks = mae pwynt wedi'i farcio yn gyfnod ag achos arbennig ar siart y bylchau rhwng digwyddiadau isod (triongl glas yn welliant, sgwâr oren yn bryder, diemwnt porffor yn ddim un o'r ddau)
caption-break = mae llinell ddotiog fertigol yn nodi toriad, lle newidiodd y broses a chyfrifwyd y terfynau o'r newydd
caption-target = y llinell { $style ->
    [0] goch â thoriadau byr
   *[1] dywyll â thoriadau hir
    } yw'r { $name }{ $stepping ->
    [yes] {", gan gamu lle mae ei werth yn newid"}
   *[no] {""}
    }
caption-table = mae'r tabl isod yn rhoi pob ffigur

## Data agored

open-data-lede = Ffigurau pob mesur a gyhoeddwyd, fis wrth fis ac ar gyfer pob dadansoddiad, fel y'u darllenir ar y tudalennau hyn. Cyhoeddwyd gan { $publisher } o dan y
open-data-csvw = Mae gan bob CSV ffeil metadata CSV on the Web wrth ei ochr, sy'n dweud beth sydd ym mhob colofn a'i math, fel y mae canllawiau llywodraeth y DU ar gyhoeddi data tablaidd yn ei argymell. Cell wag yw ffigur wedi'i atal (nifer fach wedi'i dal yn ôl), gyda suppressed yn true: ni chaiff byth ei roi fel rhif.
open-data-api = Mae'r un ffigurau, gyda'u darlleniadau, ar gael drwy'r
downloads-by-measure = Lawrlwythiadau, fesul mesur
measure = Mesur
covers = Cyfnod
metadata = Metadata
metadata-of = Metadata { $title }
workbook-of = Llyfr gwaith { $title }

## Y darlleniadau mewn geiriau

months-span = { $first } i { $last }
in-period = yn ystod { $period }
in-rolling = yn y { $months } mis hyd at { $last }
in-year-to-date = yn { $year } hyd yma ({ $span })
in-quarter = yn { $quarter } ({ $span })
financial-quarter-label = { $year } Ch{ $quarter }
year-to-date-label = { $year } hyd at { $to }
headline-no-figures = { $title }: dim ffigurau eto.
headline-withheld = { $title }: mae'r ffigur { $when } wedi'i ddal yn ôl am ei fod yn dibynnu ar nifer fach.
headline-not-published = { $title }: ni chyhoeddwyd ffigurau { $when }.
headline-nothing = { $title }: nid oedd dim i'w fesur { $when }.
headline = { $title }: { $value }{ $interval } { $when }.
headline-rise = { $title }: { $value }{ $interval } { $when }, i fyny o { $earlier } flwyddyn yn gynharach; mae'r cynnydd yn ystadegol arwyddocaol.
headline-fall = { $title }: { $value }{ $interval } { $when }, i lawr o { $earlier } flwyddyn yn gynharach; mae'r gostyngiad yn ystadegol arwyddocaol.
headline-no-change = { $title }: { $value }{ $interval } { $when }, o'i gymharu â { $earlier } flwyddyn yn gynharach: dim newid arwyddocaol.
break-from = o { $period } ({ $reason })
breaks = Mae terfynau'r broses yn dechrau o'r newydd, ac nid oes signal yn croesi, lle newidiodd y broses: { $breaks }.
peers-sentence = { $when }, roedd ffigur yr heddlu, { $value } (cyfwng hyder 95% { $lower } i { $upper }), { $standing ->
    [above] yn arwyddocaol uwch na
    [below] yn arwyddocaol is na
   *[in-line] yn unol â
    } ffigur y { $group }, { $group_value }.
judgement-spc = { $noun ->
    [month] Mae'r mis diweddaraf
    [quarter] Mae'r chwarter diweddaraf
    [year] Mae'r flwyddyn ddiweddaraf
   *[point] Mae'r pwynt diweddaraf
    } { $variation ->
    [improvement] yn achos arbennig o welliant ar y siart SPC.
    [concern] yn achos arbennig o bryder ar y siart SPC.
    [neither] yn achos arbennig ar y siart SPC, i gyfeiriad nad yw'n well nac yn waeth.
   *[common] o fewn yr ystod amrywiad ddisgwyliedig (achos cyffredin).
    }
trial-limits = Terfynau prawf yw'r terfynau: maent yn dibynnu ar { $points ->
    [two] { $points } bwynt
   *[other] { $points } pwynt
    }, llai na'r { $firm } sydd eu hangen ar derfynau cadarn, felly byddant yn symud wrth i bwyntiau newydd ddod i mewn.
target-default = Targed
target-value-from = { $value } (o { $from })
target-single = Mae'r targed o { $value } { $assurance ->
    [met] yn cael ei gyrraedd yn gyson.
    [missed] yn cael ei fethu'n gyson.
   *[mixed] o fewn ystod ansicrwydd y ffigur: weithiau'n cael ei gyrraedd, weithiau'n cael ei fethu.
    }
target-phrase = { $assurance ->
    [met] cyrraedd yn gyson
    [missed] methu'n gyson
   *[mixed] weithiau'n cyrraedd ac weithiau'n methu
    } y { $name } o { $value }
targets-several = Mae'n { $phrases }.
value-from = { $value } o { $from }
value-to = { $value } hyd at { $to }
target-declared = Targed: { $targets }.
targets-declared = Targedau: { $targets }.
listed = { $first } a { $last }

## Pecynnau'r bwrdd

pack-title = Amcan { $number }: { $title } – perfformiad hyd at { $period }
pack-produced = Perfformiad hyd at { $period }. Cynhyrchwyd { $on } gan Mesurau Llwyddiant { $version }.
pack-page-of = Tudalen { $page } o { $pages }
contents = Cynnwys
figures-by-period = Ffigurau fesul cyfnod
pack-priorities-lede = Yr hyn y gofynnodd trigolion amdano, gymdogaeth wrth gymdogaeth, pob un wedi'i ddarllen yn erbyn y misoedd cyn iddo gael ei godi.
provenance-and-methods = Tarddiad a dulliau
pack-snapshot = Dyma ffigurau ciplun { $snapshot }, a lwythwyd { $loaded }.
pack-manifest = Mae'r maniffest wrth ochr yr adroddiad hwn yn rhestru pob detholiad a diffiniad y cawsant eu cyfrifo ohonynt, gyda'i SHA-256.
pack-methods = Cyfansymiau yw'r ffigurau; caiff niferoedd bach eu hatal lle mae mesur yn dweud hynny. Cyfyngau 95% yw'r cyfyngau (Wilson ar gyfer cyfrannau, Poisson union o dan 10 a Byar o 10 i fyny ar gyfer niferoedd a chyfraddau, t Student ar gyfer cymedrau, ac ystadegau trefn ar gyfer canolrifau a chanraddau). Gelwir newid yn arwyddocaol pan nad yw cyfwng 95% y gwahaniaeth yn cynnwys dim newid. Mae SPC yn dilyn Making Data Count GIG Lloegr{ $run_length ->
        [0] {""}
       *[other] , ac eithrio bod y Cynllun yn darllen rhediad neu duedd o { $run_length } pwynt, nid 7, fel signal
    }{ $prime ->
        [yes] ; darllenir cyfrannau a chyfraddau ag enwaduron mawr iawn sy'n dweud hynny ar siartiau p′ ac u′ Laney, y mae eu terfynau'n caniatáu ar gyfer amrywiad go iawn rhwng cyfnodau (fel y mae PowerBI-SPC yn eu tynnu)
       *[no] {""}
    }{ $events ->
        [yes] ; darllenir digwyddiadau prin sy'n dweud hynny rhyngddynt, ar siart t o'r dyddiau rhyngddynt (siart unigolion o'r dyddiau i'r pŵer 1/3.6) neu siart g o'r cyfleoedd rhyngddynt (terfynau geometrig), fel y mae PowerBI-SPC yn eu tynnu
       *[no] {""}
    }. Mae gan blotiau twndis derfynau 95% a 99.8% o amgylch y gwerth cyffredinol, fel y mae PHEindicatormethods Iechyd Cyhoeddus Lloegr yn eu cyfrifo, neu, lle mae mesur yn gofyn, terfynau wedi'u lledu ar gyfer gorwasgariad (Spiegelhalter 2005). Mae'r maniffest wrth ochr yr adroddiad hwn yn rhestru'r detholiadau a'r diffiniadau a'i cynhyrchodd.

## Graddau: pam, mewn geiriau i'r bwrdd

grade = Gradd
variation = Amrywiad
assurance = Sicrwydd
withheld = wedi'i ddal yn ôl
target-lower = targed
why-year-change = newid arwyddocaol{ $direction ->
        [worse] {" er gwaeth"}
        [better] {" er gwell"}
       *[either] {""}
    } ers blwyddyn yn gynharach
why-since-raised = ers iddi gael ei chodi yn { $when }, mae'r lefel wedi { $moved ->
        [risen] codi
       *[fallen] gostwng
    } yn arwyddocaol
why-review-overdue = { $overdue }, ac mae adolygiadau'n ddyledus o leiaf bob { $months } mis
why-target-missed = mae'r { $name } yn cael ei fethu'n gyson
why-content = dim achos arbennig, dim targed wedi'i fethu
special-cause-kind = { $good ->
        [improvement] achos arbennig o welliant
        [concern] achos arbennig o bryder
       *[either] achos arbennig
    }
why-points = roedd { $points } { $place ->
        [above] uwchlaw terfyn uchaf y broses
        [below] islaw terfyn isaf y broses
       *[run] yn rhan o rediad neu duedd rhy hir i fod yn siawns
    }
why-latest-points = mae'r { $count } pwynt diweddaraf yn dangos { $kind }
why-back-within = mae { $period } yn ôl o fewn yr ystod ddisgwyliedig (amrywiad achos cyffredin)
set-by-analyst = wedi'i osod gan ddadansoddwr
set-by-analyst-because = wedi'i osod gan ddadansoddwr: { $why }
set-by-analyst-over-rules = wedi'i osod gan ddadansoddwr dros reolau'r Cynllun
grades-headline = O'r { $count } mesur, mae angen craffu ar { $scrutiny }, mae { $improving } yn gwella ac mae { $content } yn foddhaol.
exceptions = Eithriadau
no-exceptions = Nid oes angen craffu ar unrhyw fesur.
exceptions-heading = Eithriadau: yr hyn sydd angen craffu arno

## Blaenoriaethau'r Bobl

not-reviewed-since = heb ei hadolygu ers { $day }
not-reviewed-since-raised = heb ei hadolygu ers iddi gael ei chodi ar { $day }
reviews-due = mae adolygiadau'n ddyledus o leiaf bob { $months } mis.
raised-on = codwyd ar { $on }
raised-by-on = codwyd gan { $by } ar { $on }
last-reviewed-on = adolygwyd ddiwethaf ar { $on }
across-the-force = Ar draws yr heddlu, neu fwy nag un ardal
no-open-priorities = Dim blaenoriaethau agored.
closed-priorities = Blaenoriaethau wedi'u cau
priority-no-spc = Codwyd yn { $when }. Nid oes gan y mesur siart SPC, felly nid oes cyn ac ar ôl i'w darllen; ychwanegwch `spc = true`.
priority-too-few-before = Codwyd yn { $when }, gyda ffigurau am { $count } { $noun ->
        [period] { $count ->
            [two] gyfnod
           *[other] cyfnod
        }
       *[month] mis
    } cyn hynny: nid oes lefel gynharach i gymharu'r misoedd ers hynny â hi.
priority-average = cyfartaledd o { $after } y { $noun ->
        [period] cyfnod
       *[month] mis
    }, o'i gymharu â { $before } cyn hynny
priority-too-few-after = Codwyd yn { $when }: mae { $count } { $noun ->
        [period] { $count ->
            [two] gyfnod
           *[other] cyfnod
        }
       *[month] mis
    } ers hynny{ $since } yn rhy ychydig i ddweud a yw'r lefel wedi newid. Mae angen { $run } yn olynol ar un ochr i'r cyfartaledd cynharach, neu lefel y tu hwnt i'r terfynau cynharach.
priority-no-change = Ers iddi gael ei chodi yn { $when }, { $count } { $noun ->
        [period] cyfnod
       *[month] mis
    } yn ddiweddarach, nid yw'r lefel wedi newid yn arwyddocaol: { $average }; mae'r gwahaniaeth o fewn yr amrywiad a ddisgwylir.
priority-changed = Ers iddi gael ei chodi yn { $when }, mae'r lefel wedi { $moved ->
        [risen] codi
       *[fallen] gostwng
    } yn arwyddocaol: cyfartaledd o { $after } y { $noun ->
        [period] cyfnod
       *[month] mis
    } dros { $count } { $noun ->
        [period] cyfnod
       *[month] mis
    }, o'i gymharu â { $before } cyn hynny ({ $evidence ->
        [both] { $run } { $noun ->
            [period] cyfnod
           *[month] mis
        } neu fwy yn olynol ar un ochr i'r cyfartaledd cynharach, a'r lefel newydd y tu hwnt i'r terfynau cynharach
        [run] { $run } { $noun ->
            [period] cyfnod
           *[month] mis
        } neu fwy yn olynol ar un ochr i'r cyfartaledd cynharach
       *[beyond] y lefel newydd y tu hwnt i'r terfynau cynharach
    }).{ $verdict ->
        [better] {" Mae hyn yn welliant."}
        [worse] {" Mae hyn yn ddirywiad."}
       *[neither] {""}
    }

## Plotiau twndis

funnel-population = poblogaeth o { $size }
funnel-of = { $numerator } o { $denominator }
funnel-sentence = { $group }: { $value } ({ $size }), { $placement ->
        [above-outer] uwchlaw'r terfyn 99.8%: annhebygol iawn o fod uwchlaw'r gwerth cyffredinol o { $overall } { $adjusted ->
            [yes] drwy siawns a'r gwahaniaethau arferol rhwng grwpiau
           *[no] drwy siawns yn unig
        }
        [below-outer] islaw'r terfyn 99.8%: annhebygol iawn o fod islaw'r gwerth cyffredinol o { $overall } { $adjusted ->
            [yes] drwy siawns a'r gwahaniaethau arferol rhwng grwpiau
           *[no] drwy siawns yn unig
        }
        [above-inner] uwchlaw'r terfyn 95% ond o fewn y 99.8%: efallai uwchlaw'r gwerth cyffredinol o { $overall }, er y gallai { $adjusted ->
            [yes] siawns a'r gwahaniaethau arferol
           *[no] siawns
        } ei esbonio
        [below-inner] islaw'r terfyn 95% ond o fewn y 99.8%: efallai islaw'r gwerth cyffredinol o { $overall }, er y gallai { $adjusted ->
            [yes] siawns a'r gwahaniaethau arferol
           *[no] siawns
        } ei esbonio
       *[within] o fewn y terfynau: dim tystiolaeth ei fod yn wahanol i'r gwerth cyffredinol o { $overall }
    }.
overdispersion-adjusted = Mae'r grwpiau ({ $noun }) yn amrywio mwy nag y mae siawns yn unig yn ei esbonio (cymhareb gwasgariad φ = { $phi } dros { $units } grŵp), felly mae'r terfynau wedi'u lledu gan yr amrywiad rhyngddynt (τ² = { $tau2 }, addasiad adiol Spiegelhalter ar amcangyfrif wedi'i winsoreiddio): mae grŵp y tu allan iddynt yn wahanol o fwy nag y mae grwpiau fel arfer.
overdispersion-none = Nid yw'r grwpiau ({ $noun }) yn amrywio mwy nag y mae siawns yn unig yn ei esbonio (cymhareb gwasgariad φ = { $phi } dros { $units } grŵp, τ² = 0), felly nid yw'r terfynau wedi'u lledu.
placement = { $placement ->
        [above-outer] Uwchlaw'r terfyn 99.8%
        [above-inner] Uwchlaw'r terfyn 95%
        [below-inner] Islaw'r terfyn 95%
        [below-outer] Islaw'r terfyn 99.8%
       *[within] O fewn y terfynau
    }
funnel-title = Sut mae pob grŵp ({ $breakdown }) yn cymharu, { $when }
show = Dangos
funnel-caption = Mae pob pwynt yn grŵp ({ $breakdown }): ei werth yn erbyn ei faint. Y llinell lwyd yw'r gwerth cyffredinol, { $overall }; y tu mewn i'r llinellau toredig (95%) a'r llinellau solet (99.8%) nid yw grŵp yn wahanol iddo fwy nag y byddai siawns yn unig yn aml yn ei wneud. Mae gan grwpiau llai derfynau lletach. Diemwnt yw pwynt y tu allan i'r llinellau solet, a sgwâr yw un y tu allan i'r llinellau toredig yn unig.
marked-in-blue = wedi'i farcio mewn glas
funnel-within = Mae { $within } o { $all } o fewn y terfynau: dim tystiolaeth eu bod yn wahanol i'r gwerth cyffredinol o { $overall } fwy nag y byddai siawns yn ei wneud.
funnel-left-off = { $count } wedi'u gadael allan: wedi'u dal yn ôl oherwydd niferoedd bach, neu heb ddim i'w fesur.
funnel-table-caption = { $title } – pob grŵp ({ $breakdown })
limits-95 = Terfynau 95%
limits-998 = Terfynau 99.8%
reading = Darlleniad

## Siartiau'r bylchau rhwng digwyddiadau prin

event-unit = { $unit ->
        [days] diwrnodau
       *[opportunities] cyfleoedd
    }
events-title = { $unit ->
        [days] Diwrnodau rhwng digwyddiadau
       *[opportunities] Cyfleoedd rhwng digwyddiadau
    } (siart { $chart })
event-counted = { $amount } { $unit ->
        [days] { $count ->
            [one] diwrnod
           *[other] diwrnod
        }
       *[opportunities] { $count ->
            [one] cyfle
           *[other] cyfle
        }
    }
events-too-few = Rhy ychydig o ddigwyddiadau eto i ddarllen y bylchau rhyngddynt: mae angen o leiaf dau ar y siart.
events-span = { $count } digwyddiad o { $first } i { $last }; daeth yr un diweddaraf { $gap } ar ôl yr un cynt.
events-limits = Mae bylchau o { $lower } i { $upper } yn arferol (y terfynau, o { $gaps } bwlch), o amgylch canol o { $centre }.
events-no-limits = Rhy ychydig o fylchau eto i gyfrifo terfynau.
events-latest-cause = Mae'r achos arbennig diweddaraf, yn nigwyddiad { $when }, { $signal ->
        [improvement] yn un o welliant: roedd digwyddiadau wedi mynd yn brinnach nag o'r blaen
        [concern] yn un o bryder: roedd digwyddiadau wedi dod yn agosach at ei gilydd nag o'r blaen
       *[special_cause] yn dweud bod y bylchau wedi newid fwy nag y mae siawns yn ei esbonio
    }.
events-no-cause = Dim achos arbennig: nid yw'r bylchau'n amrywio mwy nag y mae siawns yn ei esbonio.
events-every-gap = Mae pob bwlch yn y tabl isod.
event-tooltip = { $date }: { $gap } ers y digwyddiad cynt{ $signal }
events-how-g = Mae'r terfynau'n geometrig, o amgylch y cymedr (siart g PowerBI-SPC); darllenir rhediad o amgylch y canolrif.
events-how-t = Darllenir y diwrnodau ar siart unigolion o'r diwrnodau i'r pŵer 1/3.6, y caiff ei derfynau eu troi'n ôl yn ddiwrnodau (siart t PowerBI-SPC).
events-caption = Mae pob pwynt yn ddigwyddiad ar ôl y cyntaf, ar ei ddyddiad: y { $unit } ers yr un cynt. Mae bwlch hir yn golygu llai o ddigwyddiadau; un byr, mwy. Y llinell lwyd yw'r canol a'r llinellau llwyd toredig yw'r terfynau; { $marks }.
every-event = Pob digwyddiad
every-event-caption = { $heading } – pob digwyddiad ar ôl y cyntaf
date = Dyddiad
since-the-one-before = { $unit } ers yr un cynt
signal-heading = Signal

## Siart wedi'i disgrifio mewn geiriau (teitl a disgrifiad ei SVG)

describe-all-withheld = Dim ffigur i'w ddangos: mae pob un o'r { $count } cyfnod o { $first } i { $last } wedi'i ddal yn ôl fel nifer fach neu heb ddata.
describe-no-periods = Dim ffigurau i'w dangos eto: nid oes cyfnodau â data.
describe-span = { $count } ffigur o { $first } i { $last }; y diweddaraf, { $last }, yw { $value }.
describe-withheld = { $count } wedi'u dal yn ôl fel niferoedd bach.
describe-cause = { $count } { $signal ->
        [improvement] gwelliant
        [concern] pryder
       *[special_cause] dim gwelliant na phryder
    }
describe-no-cause = Nid oes unrhyw bwynt yn achos arbennig.
describe-causes = Achosion arbennig: { $causes }.
describe-table = Mae pob ffigur yn y tabl gyda'r siart.

## Ar siart

trial-limits-label = Terfynau prawf ({ $points } pwynt)
break-hover = Toriad o { $period }: { $reason }
comparison = cymhariaeth
no-data-lower = dim data
special-cause-hover = achos arbennig: { $signal ->
        [improvement] gwelliant
        [concern] pryder
       *[special_cause] achos arbennig
    }
log-scale = { $axis } (graddfa log)
funnel-description = Mae pob grŵp ({ $breakdown }) yn bwynt: ei werth yn erbyn ei faint, o amgylch y gwerth cyffredinol o { $overall }. Mae { $within } o { $all } o fewn y terfynau. Mae pob pwynt yn y tabl isod.

## Y datganiad hygyrchedd

a11y-default-organisation = Y swyddfa sy'n cyhoeddi ffigurau perfformiad { $area }
a11y-applies = Mae'r datganiad hwn yn berthnasol i ddangosfwrdd perfformiad { $plan } ar gyfer { $area }: ei dudalennau, ei siartiau a'i lawrlwythiadau. Mae { $organisation } am i gynifer o bobl â phosibl allu ei ddefnyddio.
a11y-how-accessible = Pa mor hygyrch yw'r wefan hon
a11y-you-should = Dylech allu:
a11y-read-charts = darllen darlleniad pob siart mewn geiriau, a'i ffigurau mewn tabl wrth ei ochr
a11y-download = lawrlwytho ffigurau pob mesur fel CSV neu daenlen
a11y-some-parts = Nid yw rhai rhannau'n gwbl hygyrch: gweler
a11y-non-accessible = Cynnwys nad yw'n hygyrch
a11y-feedback = Adborth a gwybodaeth gyswllt
a11y-contact = Os oes angen gwybodaeth ar y wefan hon mewn fformat gwahanol arnoch, neu os dewch o hyd i broblem nad yw wedi'i rhestru yma, cysylltwch â:
a11y-contact-fallback = y swyddfa sy'n cyhoeddi'r dangosfwrdd hwn, drwy ei phrif wefan
a11y-reply = Byddwn yn ateb o fewn { $days } diwrnod gwaith
a11y-enforcement = Y weithdrefn orfodi
a11y-enforcement-text = Y Comisiwn Cydraddoldeb a Hawliau Dynol (EHRC) sy'n gyfrifol am orfodi Rheoliadau Hygyrchedd Cyrff y Sector Cyhoeddus (Gwefannau a Chymwysiadau Symudol) (Rhif 2) 2018 (y 'rheoliadau hygyrchedd'). Os nad ydych yn fodlon â'r ffordd yr ydym yn ymateb i'ch cwyn, cysylltwch â'r Gwasanaeth Cynghori a Chymorth Cydraddoldeb (EASS).
a11y-technical = Gwybodaeth dechnegol am hygyrchedd y wefan hon
a11y-committed = Mae { $organisation } wedi ymrwymo i wneud ei gwefan yn hygyrch, yn unol â Rheoliadau Hygyrchedd Cyrff y Sector Cyhoeddus (Gwefannau a Chymwysiadau Symudol) (Rhif 2) 2018.
a11y-compliance = Statws cydymffurfio
a11y-partially = Mae'r wefan hon yn cydymffurfio'n rhannol â safon AA fersiwn 2.2 Canllawiau Hygyrchedd Cynnwys y We, oherwydd yr achosion o beidio â chydymffurfio a restrir isod.
a11y-gap-hover = Mae siart yn dangos pob gwerth pan fydd pwyntydd yn gorffwys arno; drwy fysellfwrdd, darllenir yr un gwerthoedd o'r tabl ffigurau o dan y siart, nid ar y siart ei hun (WCAG 2.1.1).
a11y-gap-pdf = Caiff pecynnau PDF y bwrdd eu hargraffu o'r un tudalennau â'u HTML, ond nid ydynt wedi'u profi gyda thechnoleg gynorthwyol; mae'r pecyn HTML a'r llyfr gwaith yn dal yr un ffigurau.
a11y-gap-contrast = Mae band hyder lliw siart a'i grid yn ysgafnach na 3:1 yn erbyn y gwyn (WCAG 1.4.11): cefndir ydynt, ac mae pob cyfwng a ddangosant yn y tabl ffigurau.
a11y-gap-manual = Ni all gwiriadau awtomatig farnu popeth y mae WCAG yn ei ofyn; nid yw'r tudalennau wedi'u gwirio eto gan rywun sy'n defnyddio technoleg gynorthwyol.
a11y-gap-welsh = Mae testun y tudalennau Cymraeg (geiriau'r dangosfwrdd) yn aros i gael ei adolygu gan siaradwr Cymraeg.
a11y-how-tested = Sut y profwyd y wefan hon
a11y-tested = Caiff pob fersiwn o'r feddalwedd y tu ôl iddi (Mesurau Llwyddiant { $version }) ei phrofi'n awtomatig cyn ei defnyddio: caiff pob tudalen o'r dangosfwrdd, fel y mae'r cyhoedd yn ei gweld ac fel y mae dadansoddwr sydd wedi mewngofnodi yn ei gweld, ei gwirio mewn porwr Chromium di-ben gyda rheolau axe-core ar gyfer
a11y-tested-levels = (WCAG 2.0, 2.1 a 2.2, lefelau A ac AA), a felly hefyd bob tudalen o'r wefan statig a gyhoeddir ar gyfer gwefan y swyddfa; ni chaiff fersiwn ag unrhyw achos o dorri'r rheolau ei chyhoeddi.
a11y-charts-checked = Ni all axe-core farnu siartiau, felly mae'r profion yn gwirio pob un ohonynt hefyd: mae'n ddelwedd gyda theitl a disgrifiad o'r hyn y mae'n ei ddangos mewn geiriau; mae pob gwerth a ddangosir arni yn y tabl ffigurau y mae ei chapsiwn yn cysylltu ag ef; mae ei llinellau a'i marciau'n cyrraedd cyferbyniad o 3:1 â'r gwyn; ac mae achos arbennig yn cael ei ddangos gan ei siâp yn ogystal â'i liw.

## Tudalennau dadansoddwyr

sign-in-needs-token = Mae angen tocyn mynediad ar gyfer mesurau cyfyngedig a golygon dadansoddwyr.
access-token = Tocyn mynediad
token-not-recognised = Nid yw'r tocyn hwnnw'n cael ei adnabod.
too-many-sign-ins = Gormod o ymdrechion aflwyddiannus i fewngofnodi o'r fan hon: rhowch gynnig arall arni ymhen { $seconds } eiliad.
commentary = Sylwebaeth
commentary-markdown = Markdown: paragraffau, *pwyslais*, **trwm**, rhestrau a dolenni. Caiff ei chadw fel
commentary-version-kept = cedwir y fersiwn flaenorol wrth ei hochr.
save = Cadw
data-and-api = Data ac API
api-lede = Mae pob ffigur ar y dangosfwrdd ar gael fel CSV, SVG a JSON. Dim ond cyfansymiau a ddarperir: dim rhes na dynodydd o ddetholiad. Caiff ffigurau wedi'u hatal eu dal yn ôl ym mhobman. Mae angen tocyn mynediad ar gyfer mesurau cyfyngedig, wedi'i anfon fel
request = Cais
returns = Yn dychwelyd
api-measures = Pob mesur y cewch ei weld: id, teitl, amcan, thema, math, polaredd, targed, a'i ddarlleniad (pwynt diweddaraf, newid ers blwyddyn yn gynharach, amrywiad, sicrwydd).
api-measure = Un mesur gyda phob cyfres (y cyfanswm a phob grŵp o bob dadansoddiad), pob pwynt gyda rhifiadur, enwadur, gwerth, cyfwng 95%, ataliad a signal SPC, a chymedr a therfynau SPC y gyfres fel segmentau (pob un gyda'i ddyddiadau ac, ar ôl toriad, y rheswm drosto).
api-status = Pryd y gwerthuswyd y ffigurau, y ffeiliau detholiad a ddefnyddiwyd (stwnshiau, rhesi a lwythwyd ac a wrthodwyd) ac, i ddadansoddwyr, yr ailwerthuso diwethaf a fethodd.
api-reload = Dadansoddwyr: ailwerthuso nawr. Dim ond os bydd y gwerthuso'n llwyddo y bydd y canlyniadau newydd yn disodli'r hen rai.
api-data-csv = Pob pwynt o fesur yng ngholofnau contract y canlyniadau.
api-figures-xlsx = Yr un peth fel llyfr gwaith Excel: dalen gynnwys a dalen y mesur, gyda chyfyngau a signalau SPC.
api-chart = Siart tuedd y cyfanswm neu un grŵp, fel SVG; mae chart.png yn rhoi'r un peth fel PNG.
results-columns = Colofnau'r canlyniadau
results-columns-units = Ffracsiynau o 0 i 1 yw cyfrannau; mae cyfraddau fesul 1,000 o bobl.

## Llyfrau gwaith

xlsx-series = Cyfres
xlsx-period-start = Dechrau'r cyfnod
xlsx-period-end = Diwedd y cyfnod
xlsx-out-of = Allan o (neu boblogaeth)
xlsx-ci-lower = Cyfwng hyder 95% isaf
xlsx-ci-upper = Cyfwng hyder 95% uchaf
xlsx-spc-mean = Cymedr SPC
xlsx-spc-lower = Terfyn isaf SPC
xlsx-spc-upper = Terfyn uchaf SPC
xlsx-page = Tudalen &P o &N
xlsx-latest-period = Cyfnod diweddaraf
xlsx-latest-value = Gwerth diweddaraf
xlsx-sheet = Dalen
xlsx-suppressed-below = Caiff ffigurau sy'n dibynnu ar niferoedd o dan { $threshold } eu hatal.
xlsx-rounded = Caiff niferoedd eu talgrynnu i'r { $to } agosaf.
xlsx-at-latest = Yn ôl y ffigurau diweddaraf:
total = Cyfanswm
xlsx-funnel = Plot twndis, { $period }: pob grŵp ({ $breakdown }) yn erbyn y gwerth cyffredinol, gyda therfynau 95% a 99.8% ar gyfer ei faint{ $dispersion ->
        [widened] , wedi'u lledu ar gyfer gorwasgariad (φ = { $phi }, τ² = { $tau2 })
        [not-widened] {" "}(φ = { $phi }: dim gorwasgariad, terfynau heb eu lledu)
       *[none] {""}
    }
xlsx-group = Grŵp
xlsx-overall = Cyffredinol
xlsx-95-lower = 95% isaf
xlsx-95-upper = 95% uchaf
xlsx-998-lower = 99.8% isaf
xlsx-998-upper = 99.8% uchaf
xlsx-event-date = Dyddiad y digwyddiad
xlsx-centre = Canol
xlsx-lower-limit = Terfyn isaf
xlsx-upper-limit = Terfyn uchaf
xlsx-reading-improvement = Gwelliant
xlsx-reading-concern = Pryder
xlsx-reading-neither = Newid, dim gwell na gwaeth
xlsx-reading-common = Dim newid arwyddocaol
values-proportions = Cyfrannau yw'r gwerthoedd (wedi'u fformatio fel canrannau).
values-statistic = Y gwerthoedd yw { $statistic } gwerthoedd pob cyfnod{ $unit ->
        [none] {""}
       *[other] , mewn { $unit }
    }; Nifer yw faint o werthoedd oedd.

## Rhybuddion (i sianeli'r dadansoddwyr)

alert-withheld = ffigur wedi'i ddal yn ôl
alert-special-cause = { $title }: { $signal ->
        [improvement] achos arbennig o welliant
        [concern] achos arbennig o bryder
       *[special_cause] achos arbennig
    } yn ystod { $period } ({ $value }).
alert-grade-change = { $title }: bellach { $now } (roedd yn { $was }) yn ystod { $period }: { $why }.
alert-pack-failed = Methodd y pecyn a drefnwyd `{ $schedule }`: { $error }. Nid yw pecynnau cynharach wedi newid.
