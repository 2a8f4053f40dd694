; Inno Setup 6 script for callcoach — UNTESTED (no Windows machine here; see BUILD.md).
; Packs the PyInstaller one-folder build in dist\callcoach\ into dist\callcoach-setup-<version>.exe.

#define AppName "callcoach"
#define AppVersion "0.1.0"

[Setup]
AppId={{6C2B1E0A-4B7A-4C55-9E7B-1C2A0CA11C0A}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=callcoach
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
OutputDir=..\..\dist
OutputBaseFilename=callcoach-setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequired=admin
DisableProgramGroupPage=yes

[Files]
Source: "..\..\dist\callcoach\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\callcoach (live)"; Filename: "{app}\callcoach.exe"; Parameters: "live"
Name: "{group}\callcoach self-test"; Filename: "{cmd}"; Parameters: "/k ""{app}\callcoach.exe"" selftest"

[Run]
; the same self-test as on Linux: models, audio, Qt, a 5-second analysis, no network
Filename: "{app}\callcoach.exe"; Parameters: "selftest"; Flags: runhidden waituntilterminated; StatusMsg: "Checking the installation..."
