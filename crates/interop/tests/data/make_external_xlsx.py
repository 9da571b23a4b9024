"""Writes external.xlsx, the small workbook of tests/mdl_external.rs, with the standard
library only (an .xlsx is a zip of XML parts). Run from this folder: python3 make_external_xlsx.py

Sheet 'Data': times 0, 2, 4 across row 1 from B1; two series in rows 2-3 (C2 left empty);
constants 1..6 in the block B5:D6. Sheet 'Down': times down column A from A2 (0, 1, 3), one
series in column B. Workbook names: 'times' = Data!$B$1:$D$1, 'series' = Data!$B$2:$D$3,
'block' = Data!$B$5:$D$6; 'local' is defined for sheet Down only = Down!$B$2:$B$4.
"""
import zipfile

def sheet(rows):
    out = []
    for r, cells in rows.items():
        cs = "".join(f'<c r="{ref}"><v>{v}</v></c>' for ref, v in cells)
        out.append(f'<row r="{r}">{cs}</row>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData>{"".join(out)}</sheetData></worksheet>')

data = sheet({
    1: [("B1", 0), ("C1", 2), ("D1", 4)],
    2: [("B2", 10), ("D2", 30)],
    3: [("B3", 1), ("C3", 2), ("D3", 3)],
    5: [("B5", 1), ("C5", 2), ("D5", 3)],
    6: [("B6", 4), ("C6", 5), ("D6", 6)],
})
down = sheet({
    2: [("A2", 0), ("B2", 5)],
    3: [("A3", 1), ("B3", 6)],
    4: [("A4", 3), ("B4", 8)],
})
M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
workbook = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<workbook xmlns="{M}" xmlns:r="{R}"><sheets>'
    '<sheet name="Data" sheetId="1" r:id="rId1"/><sheet name="Down" sheetId="2" r:id="rId2"/>'
    '</sheets><definedNames>'
    '<definedName name="times">Data!$B$1:$D$1</definedName>'
    '<definedName name="series">Data!$B$2:$D$3</definedName>'
    '<definedName name="block">Data!$B$5:$D$6</definedName>'
    '<definedName name="local" localSheetId="1">Down!$B$2:$B$4</definedName>'
    '</definedNames></workbook>')
rels = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{R}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{R}/worksheet" Target="worksheets/sheet2.xml"/>'
    '</Relationships>')
root_rels = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{R}/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>')
types = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>')
with zipfile.ZipFile("external.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
    # Fixed timestamps so the file is the same on every run.
    for name, text in [("[Content_Types].xml", types), ("_rels/.rels", root_rels),
                       ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", rels),
                       ("xl/worksheets/sheet1.xml", data), ("xl/worksheets/sheet2.xml", down)]:
        z.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), text)
