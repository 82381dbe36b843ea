using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LmsCloud.Core.Compliance;
using LmsCloud.Core.Compliance.Export;
using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Rostering;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LmsCloud.Tests.Compliance;

/// <summary>
/// Compliance exports (docs/compliance.md, Exports) over the real database as the application role: the zip's contents
/// against direct queries as the owner, <c>lms compliance export</c> and <c>verify-export</c> in process, the Quartz job,
/// downloads, the disclosure log, expiry and a failing part.
/// </summary>
public sealed class ExportTests(ExportTests.Api api) : IClassFixture<ExportTests.Api>
{
    /// <summary>The API with the export job on, every second.</summary>
    public sealed class Api : ApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Compliance:ExportJobInterval", "00:00:01")];
    }

    const string Requests = "/api/compliance/requests";
    const string Sample = "northwind-1.1-bulk";

    [Fact]
    public async Task A_students_export_has_their_rows_of_every_mapped_table_and_nothing_of_another_student_or_district()
    {
        var district = await api.Database.CreateDistrictAsync();
        var other = await api.Database.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, Sample);
        await RosterSamples.ImportDirectlyAsync(api.Database, other.Id, Sample);
        var student = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", "nw-s-001");
        var peer = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", "nw-s-002");
        var namesake = await RosterSamples.InternalIdAsync(api.Database, other.Id, "users", "nw-s-001");
        using var zipFile = new TempFile();

        var exported = await CliAsync("compliance", "export", "--tenant", district.Slug, "--person", "nw-s-001", "--out", zipFile.Path);
        Assert.True(exported.Code == 0, exported.Error);
        Assert.Contains("wrote ", exported.Out);

        using var zip = ZipFile.OpenRead(zipFile.Path);
        var requestId = JsonDocument.Parse(Read(zip, "manifest.json")).RootElement.GetProperty("request_id").GetString()!;
        var exportedSeq = JsonDocument.Parse(Read(zip, "data/audit_events.json")).RootElement.EnumerateArray().Max(e => e.GetProperty("seq").GetInt64());
        await using var owner = new NpgsqlConnection(api.Database.ConnectionStrings.Owner);
        await owner.OpenAsync();
        await using (var utc = new NpgsqlCommand("set timezone = 'UTC'", owner)) await utc.ExecuteNonQueryAsync();
        await TenantSession.SetAsync(owner, district.Id); // RLS is forced, for the owner too
        foreach (var entry in DataMap.Entries)
        {
            if (entry.PersonRowsSql() is not { } personRows)
            {
                Assert.Null(zip.GetEntry($"data/{entry.Table}.json")); // not attributable to a person: district exports only
                continue;
            }
            // The district is named here too, independently of the session the export used.
            // The operator's own request moved on after the snapshot (processing, then ready and completed): its rows and events
            // are compared as of the export, by the request's id and the chain's sequence.
            var asOfExport = entry.Table switch
            {
                "audit_events" => $" and seq <= {exportedSeq}",
                "compliance_requests" or "compliance_request_events" => " and false",
                _ => "",
            };
            var expected = new List<string>();
            await using (var cmd = new NpgsqlCommand(
                             $"select row_to_json(t)::text from (select {string.Join(", ", entry.Exported)} from {entry.Table} " +
                             $"where tenant_id = '{district.Id}' and {personRows}{asOfExport}) t", owner) { Parameters = { new() { Value = student } } })
            await using (var reader = await cmd.ExecuteReaderAsync())
                while (await reader.ReadAsync()) expected.Add(Normalise(reader.GetString(0)));
            var actual = JsonDocument.Parse(Read(zip, $"data/{entry.Table}.json")).RootElement.EnumerateArray().Select(r => Normalise(r.GetRawText())).ToList();
            Assert.Equal(actual.Count, ManifestRecords(zip, $"csv/{entry.Table}.csv")); // counted by the verifier below
            if (entry.Table is "compliance_requests" or "compliance_request_events")
            {
                Assert.All(actual, r => Assert.Contains(requestId, r)); // the operator's request, and no other
                // The request is about the student (subject); its timeline names only who acted (the operator), not the student.
                Assert.Equal(entry.Table == "compliance_requests" ? 1 : 0, actual.Count);
                actual.Clear();
            }
            Assert.True(expected.Order().SequenceEqual(actual.Order()), $"{entry.Table}: expected {expected.Count} rows, exported {actual.Count}");
        }
        var verified = await ExportVerifier.VerifyAsync(zipFile.Path, api.Services.GetRequiredService<PlatformKeys>());
        Assert.True(verified.Ok, verified.Problem);
        Assert.Single(JsonDocument.Parse(Read(zip, "data/users.json")).RootElement.EnumerateArray());
        Assert.Single(JsonDocument.Parse(Read(zip, "data/demographics.json")).RootElement.EnumerateArray());
        Assert.NotEmpty(JsonDocument.Parse(Read(zip, "data/enrollments.json")).RootElement.EnumerateArray());

        // Nothing of the peer, of the namesake in the other district, or of the other district at all.
        foreach (var e in zip.Entries.Where(e => e.FullName.StartsWith("data/") || e.FullName.StartsWith("csv/")))
        {
            var text = Read(zip, e.FullName);
            Assert.DoesNotContain(peer.ToString(), text);
            Assert.DoesNotContain(namesake.ToString(), text);
            Assert.DoesNotContain(other.Id.ToString(), text);
        }
        var manifest = JsonDocument.Parse(Read(zip, "manifest.json")).RootElement;
        Assert.Equal(student.ToString(), manifest.GetProperty("subject").GetProperty("user_id").GetString());
        Assert.Equal(district.Slug, manifest.GetProperty("district").GetProperty("slug").GetString());
        Assert.Equal(1, manifest.GetProperty("schema_version").GetInt32());
        foreach (var required in new[] { "data-dictionary.json", "index.html", "disclosure-log.json", "disclosure-log.csv", "data/audit_events.json" })
            Assert.Contains(manifest.GetProperty("files").EnumerateArray(), f => f.GetProperty("path").GetString() == required);
        Assert.DoesNotContain("http", Read(zip, "index.html").Replace("http-equiv", "")); // offline: no external assets
        Assert.Contains("data/users.json", Read(zip, "index.html"));

        // The operator's request is on record, completed, with the operator as requester.
        await using var conn = await api.Database.OpenAsTenantAsync(district.Id);
        Assert.Equal("completed", await TestDatabase.ScalarAsync<string>(conn,
            "select state from compliance_requests where subject_user_id = $1 and type = 'export' and requester_actor_type = 'operator'", student));
    }

    [Fact]
    public async Task Verify_export_passes_an_intact_zip_and_names_a_flipped_byte_a_forged_manifest_a_missing_or_extra_file_and_a_foreign_key()
    {
        var district = await api.Database.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, Sample);
        using var zipFile = new TempFile();
        Assert.Equal(0, (await CliAsync("compliance", "export", "--tenant", district.Slug, "--person", "nw-s-003", "--out", zipFile.Path)).Code);

        var intact = await CliAsync("compliance", "verify-export", zipFile.Path);
        Assert.True(intact.Code == 0, intact.Error);
        Assert.StartsWith("export intact: signature valid,", intact.Out);

        async Task<string> BrokenAsync(Action<ZipArchive> tamper)
        {
            using var copy = new TempFile();
            File.Copy(zipFile.Path, copy.Path, overwrite: true);
            using (var zip = ZipFile.Open(copy.Path, ZipArchiveMode.Update)) tamper(zip);
            var result = await CliAsync("compliance", "verify-export", copy.Path);
            Assert.Equal(1, result.Code);
            return result.Error.Trim();
        }

        Assert.StartsWith("lms: export broken: hash of data/users.json:", await BrokenAsync(zip => Rewrite(zip, "data/users.json", bytes =>
        {
            var i = Array.IndexOf(bytes, (byte)'a');
            bytes[i] = (byte)'b'; // one byte flipped, same length
            return bytes;
        })));
        Assert.StartsWith("lms: export broken: byte count of csv/users.csv:", await BrokenAsync(zip => Rewrite(zip, "csv/users.csv", b => [.. b, .. "x\r\n"u8])));
        Assert.StartsWith("lms: export broken: signature: does not match manifest.json", await BrokenAsync(zip =>
            Rewrite(zip, "manifest.json", b => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(b).Replace("\"bytes\": ", "\"bytes\": 1")))));
        Assert.Equal("lms: export broken: missing file: data/demographics.json", await BrokenAsync(zip => zip.GetEntry("data/demographics.json")!.Delete()));
        Assert.Equal("lms: export broken: extra file: notes.txt is not in the manifest", await BrokenAsync(zip =>
        {
            using var s = zip.CreateEntry("notes.txt").Open();
            s.Write("hello"u8);
        }));

        var foreign = SigningKeysGenerate();
        var otherKeys = await CliWithAsync(new Dictionary<string, string?> { ["Auth:SigningKeys:0:KeyId"] = foreign.KeyId, ["Auth:SigningKeys:0:Pem"] = foreign.Pem },
            "compliance", "verify-export", zipFile.Path);
        Assert.Equal(1, otherKeys.Code);
        Assert.Equal($"lms: export broken: signature: key '{api.SigningKey.KeyId}' is not one of the platform's keys", otherKeys.Error.Trim());

        // The same check in code: every file's hash and the signature hold.
        var verified = await ExportVerifier.VerifyAsync(zipFile.Path, api.Services.GetRequiredService<PlatformKeys>());
        Assert.True(verified.Ok, verified.Problem);
        Assert.True(verified.Files > 2 * DataMap.Entries.Count(e => e.PersonRowsSql() != null));
    }

    [Fact]
    public async Task The_job_makes_an_approved_request_ready_only_the_requester_downloads_each_download_is_a_disclosure_and_expiry_deletes_the_file()
    {
        var district = await api.Database.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, Sample);
        var student = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", "nw-s-004");
        var officerUser = await api.CreateUserAsync(district, Roles.ComplianceOfficer);
        var officer = api.ClientFor(district.Slug, (await api.SignInAsync(officerUser)).GetProperty("access_token").GetString()!);
        var otherOfficer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);

        var id = await ApprovedExportAsync(officer, student);
        var ready = await WaitForStateAsync(officer, id, "ready", "failed");
        Assert.True(ready.GetProperty("state").GetString() == "ready", ready.GetRawText());

        var status = await (await officer.GetAsync($"{Requests}/{id}/export")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(100, status.GetProperty("percent").GetInt32());
        Assert.Equal(status.GetProperty("tablesTotal").GetInt32(), status.GetProperty("tablesDone").GetInt32());
        Assert.True(status.GetProperty("rowsWritten").GetInt64() > 0);
        Assert.True(status.GetProperty("downloadable").GetBoolean());
        var expires = status.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromDays(6.9), TimeSpan.FromDays(7));

        Assert.Equal(HttpStatusCode.Forbidden, (await otherOfficer.GetAsync($"{Requests}/{id}/download")).StatusCode);
        var download = await officer.GetAsync($"{Requests}/{id}/download");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/zip", download.Content.Headers.ContentType?.MediaType);
        using (var zipFile = new TempFile())
        {
            await File.WriteAllBytesAsync(zipFile.Path, await download.Content.ReadAsByteArrayAsync());
            var verified = await ExportVerifier.VerifyAsync(zipFile.Path, api.Services.GetRequiredService<PlatformKeys>());
            Assert.True(verified.Ok, verified.Problem);
        }

        // The download is in the audit log, about the student, by the officer: the next export's disclosure log shows it.
        await using (var conn = await api.Database.OpenAsTenantAsync(district.Id))
        {
            Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(conn,
                "select count(*) from audit_events where action = 'compliance_export.downloaded' and subject_user_id = $1 and actor_id = $2 and entity_id = $3",
                student, officerUser.Id.ToString(), id));
        }
        using (var second = new TempFile())
        {
            Assert.Equal(0, (await CliAsync("compliance", "export", "--tenant", district.Slug, "--person", student.ToString(), "--out", second.Path)).Code);
            using var zip = ZipFile.OpenRead(second.Path);
            var log = JsonDocument.Parse(Read(zip, "disclosure-log.json")).RootElement;
            Assert.Contains(log.EnumerateArray(), e => e.GetProperty("action").GetString() == "compliance_export.downloaded" &&
                                                      e.GetProperty("actor_id").GetString() == officerUser.Id.ToString());
        }

        // The link expires: the request moves to expired, the file is gone, the download is refused.
        var key = ComplianceExports.StorageKey(district.Id, Guid.Parse(id));
        Assert.True(File.Exists(Path.Combine(api.StorageRoot, key)));
        await using (var owner = new NpgsqlConnection(api.Database.ConnectionStrings.Owner))
        {
            await owner.OpenAsync();
            await TenantSession.SetAsync(owner, district.Id);
            await using var cmd = new NpgsqlCommand($"update compliance_exports set expires_at = now() - interval '1 minute' where request_id = '{id}'", owner);
            await cmd.ExecuteNonQueryAsync();
        }
        Assert.Equal(HttpStatusCode.Gone, (await officer.GetAsync($"{Requests}/{id}/download")).StatusCode);
        await api.Services.GetRequiredService<ComplianceExports>().ExpireAsync();
        Assert.Equal("expired", (await WaitForStateAsync(officer, id, "expired")).GetProperty("state").GetString());
        Assert.False(File.Exists(Path.Combine(api.StorageRoot, key)));
        var gone = await officer.GetAsync($"{Requests}/{id}/download");
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_table_that_cannot_be_read_fails_the_request_naming_the_part_and_leaves_no_file()
    {
        var district = await api.Database.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, Sample);
        var student = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", "nw-s-005");
        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        await OwnerAsync("revoke select on demographics from lms_app");
        try
        {
            var id = await ApprovedExportAsync(officer, student);
            var failed = await WaitForStateAsync(officer, id, "failed", "ready");
            Assert.Equal("failed", failed.GetProperty("state").GetString());
            Assert.Contains("table demographics: 42501", failed.GetProperty("reason").GetString());
            Assert.False(File.Exists(Path.Combine(api.StorageRoot, ComplianceExports.StorageKey(district.Id, Guid.Parse(id)))));
            Assert.Equal(HttpStatusCode.Conflict, (await officer.GetAsync($"{Requests}/{id}/download")).StatusCode);
        }
        finally
        {
            await OwnerAsync("grant select on demographics to lms_app");
        }
    }

    [Fact]
    public async Task A_district_export_has_every_row_of_the_district_the_roster_package_and_verifies()
    {
        var district = await api.Database.CreateDistrictAsync();
        var other = await api.Database.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, Sample);
        await RosterSamples.ImportDirectlyAsync(api.Database, other.Id, Sample);
        var keys = api.Services.GetRequiredService<PlatformKeys>();
        // The OneRoster package comes from the SIS engine; here a stand-in with two files shows how the writer places, hashes and counts them.
        RosterPackageWriter roster = (_, createFile, _) =>
        {
            foreach (var name in new[] { "manifest.csv", "users.csv" })
            {
                using var s = createFile(name);
                s.Write("propertyName,value\r\na,b\r\n"u8);
            }
            return Task.FromResult<IReadOnlyList<(string, long)>>([("manifest.csv", 1), ("users.csv", 1)]);
        };
        using var zipFile = new TempFile();
        ExportResult result;
        await using (var conn = await api.Database.OpenAsTenantAsync(district.Id))
        await using (var file = File.Create(zipFile.Path))
            result = await ExportWriter.WriteAsync(conn, new ExportScope(district.Id, district.Slug, district.Name, Guid.NewGuid(), null), file, keys,
                DateTimeOffset.UtcNow, roster);
        Assert.True(result.Succeeded, string.Join("; ", result.Parts.Where(p => !p.Succeeded).Select(p => $"{p.Part}: {p.Error}")));
        var verified = await ExportVerifier.VerifyAsync(zipFile.Path, keys);
        Assert.True(verified.Ok, verified.Problem);

        using var zip = ZipFile.OpenRead(zipFile.Path);
        Assert.NotNull(zip.GetEntry("oneroster/users.csv"));
        Assert.NotNull(zip.GetEntry("data/import_row_errors.json")); // not attributable to a person, but the district's
        await using var district1 = await api.Database.OpenAsTenantAsync(district.Id);
        foreach (var table in new[] { "users", "enrollments", "demographics", "audit_events" })
        {
            var rows = JsonDocument.Parse(Read(zip, $"data/{table}.json")).RootElement.GetArrayLength();
            Assert.Equal(await TestDatabase.ScalarAsync<long>(district1, $"select count(*) from {table}"), rows);
        }
        foreach (var e in zip.Entries.Where(e => e.FullName.StartsWith("data/")))
            Assert.DoesNotContain(other.Id.ToString(), Read(zip, e.FullName));
        Assert.Null(JsonDocument.Parse(Read(zip, "manifest.json")).RootElement.GetProperty("subject").GetString());
    }

    [Fact]
    public async Task The_cli_district_export_verifies_and_its_oneroster_package_re_imports_with_no_change()
    {
        var district = await api.Database.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, "riverside-1.2-bulk");
        using var zipFile = new TempFile();
        var exported = await CliAsync("compliance", "export", "--tenant", district.Slug, "--district", "--out", zipFile.Path);
        Assert.True(exported.Code == 0, exported.Error);
        var verified = await CliAsync("compliance", "verify-export", zipFile.Path);
        Assert.True(verified.Code == 0, verified.Error);

        var folder = Path.Combine(Path.GetTempPath(), $"lms-oneroster-{Guid.NewGuid():N}");
        try
        {
            using (var zip = ZipFile.OpenRead(zipFile.Path))
            {
                Assert.Null(JsonDocument.Parse(Read(zip, "manifest.json")).RootElement.GetProperty("subject").GetString());
                foreach (var entry in zip.Entries.Where(e => e.FullName.StartsWith("oneroster/")))
                {
                    Directory.CreateDirectory(folder);
                    entry.ExtractToFile(Path.Combine(folder, entry.Name));
                }
                Assert.True(ManifestRecords(zip, "oneroster/users.csv") > 0);
            }
            Assert.True(File.Exists(Path.Combine(folder, "manifest.csv")));
            var imported = await CliAsync("sis", "import", "--tenant", district.Slug, folder);
            Assert.True(imported.Code == 0, imported.Out + imported.Error);
            Assert.Contains("status: Succeeded", imported.Out, StringComparison.OrdinalIgnoreCase);
            // Every entity line: 0 created, updated, deleted and revived.
            foreach (var line in imported.Out.Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^[a-zA-Z]+\s+\d")))
                Assert.Matches(@"^\S+\s+0\s+0\s+0\s+0\s+\d+\s+0\s*$", line);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task An_approved_disclosure_log_request_ends_ready_with_a_signed_zip_of_who_was_given_the_record_for_the_requester_only()
    {
        var district = await api.Database.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, Sample);
        var student = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", "nw-s-006");
        var officerUser = await api.CreateUserAsync(district, Roles.ComplianceOfficer);
        var officer = api.ClientFor(district.Slug, (await api.SignInAsync(officerUser)).GetProperty("access_token").GetString()!);
        var otherOfficer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);

        // A disclosure to log first: the officer downloads the student's export.
        var exportId = await ApprovedExportAsync(officer, student);
        Assert.Equal("ready", (await WaitForStateAsync(officer, exportId, "ready", "failed")).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync($"{Requests}/{exportId}/download")).StatusCode);

        var id = await ApprovedRequestAsync(officer, "disclosure_log", student);
        var ready = await WaitForStateAsync(officer, id, "ready", "failed");
        Assert.True(ready.GetProperty("state").GetString() == "ready", ready.GetRawText());
        Assert.Equal(HttpStatusCode.Forbidden, (await otherOfficer.GetAsync($"{Requests}/{id}/download")).StatusCode);
        var download = await officer.GetAsync($"{Requests}/{id}/download");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal($"disclosure-log-{id}.zip", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));

        using var zipFile = new TempFile();
        await File.WriteAllBytesAsync(zipFile.Path, await download.Content.ReadAsByteArrayAsync());
        var verified = await ExportVerifier.VerifyAsync(zipFile.Path, api.Services.GetRequiredService<PlatformKeys>());
        Assert.True(verified.Ok, verified.Problem);
        using var zip = ZipFile.OpenRead(zipFile.Path);
        Assert.Equal(["disclosure-log.csv", "disclosure-log.json", "index.html", "manifest.json", "manifest.sig"],
            zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        var manifest = JsonDocument.Parse(Read(zip, "manifest.json")).RootElement;
        Assert.Equal("disclosure_log", manifest.GetProperty("kind").GetString());
        Assert.Equal(student.ToString(), manifest.GetProperty("subject").GetProperty("user_id").GetString());
        var log = JsonDocument.Parse(Read(zip, "disclosure-log.json")).RootElement.EnumerateArray().ToList();
        var disclosed = Assert.Single(log, e => e.GetProperty("action").GetString() == ExportDownloads.DownloadedAction);
        Assert.Equal((officerUser.Id.ToString(), exportId), (disclosed.GetProperty("actor_id").GetString(), disclosed.GetProperty("entity_id").GetString()));
        Assert.All(log, e => Assert.Equal(student.ToString(), e.GetProperty("subject_user_id").GetString()));
        Assert.Equal(log.Count, ManifestRecords(zip, "disclosure-log.csv"));
        Assert.StartsWith("seq,occurred_at,actor_type,actor_id", Read(zip, "disclosure-log.csv"));
        Assert.Contains("<title>Disclosure log</title>", Read(zip, "index.html"));

        // Handing out the log is itself a disclosure of the record.
        await using var conn = await api.Database.OpenAsTenantAsync(district.Id);
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(conn,
            "select count(*) from audit_events where action = 'compliance_export.downloaded' and subject_user_id = $1 and entity_id = $2", student, id));
    }

    [Fact]
    public async Task An_export_whose_node_died_is_run_again_from_the_start_when_its_lease_expires_and_a_live_lease_is_not_taken()
    {
        var district = await api.Database.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, Sample);
        var crashedStudent = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", "nw-s-007");
        var runningStudent = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", "nw-s-008");
        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        var crashed = await CreatedRequestAsync(officer, "export", crashedStudent);
        var running = await CreatedRequestAsync(officer, "export", runningStudent);

        // What a node leaves when it dies in the middle: processing, 40% done, its lease run out a minute ago, half a
        // file in storage. The other request's node is alive: its lease runs for another hour.
        var key = ComplianceExports.StorageKey(district.Id, Guid.Parse(crashed));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(api.StorageRoot, key))!);
        await File.WriteAllBytesAsync(Path.Combine(api.StorageRoot, key), "PK\u0003\u0004 half a zip"u8.ToArray());
        await using (var owner = new NpgsqlConnection(api.Database.ConnectionStrings.Owner))
        {
            await owner.OpenAsync();
            await TenantSession.SetAsync(owner, district.Id);
            await using var batch = new NpgsqlBatch(owner)
            {
                BatchCommands =
                {
                    new("update compliance_requests set state = 'processing' where id = any ($1)") { Parameters = { new() { Value = new[] { Guid.Parse(crashed), Guid.Parse(running) } } } },
                    new("""
                        insert into compliance_exports (tenant_id, request_id, started_at, lease_until, tables_total, tables_done, percent)
                        values ($1, $2, now() - interval '10 minutes', now() - interval '1 minute', 20, 8, 40),
                               ($1, $3, now() - interval '10 minutes', now() + interval '1 hour', 20, 8, 40)
                        """) { Parameters = { new() { Value = district.Id }, new() { Value = Guid.Parse(crashed) }, new() { Value = Guid.Parse(running) } } },
                },
            };
            await batch.ExecuteNonQueryAsync();
        }

        await api.Services.GetRequiredService<ComplianceExports>().RunApprovedAsync(); // surfaces an exception the job would only log
        var ready = await WaitForStateAsync(officer, crashed, "ready", "failed");
        Assert.True(ready.GetProperty("state").GetString() == "ready", ready.GetRawText());
        var status = await (await officer.GetAsync($"{Requests}/{crashed}/export")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((2, 100), (status.GetProperty("attempt").GetInt32(), status.GetProperty("percent").GetInt32()));
        var download = await officer.GetAsync($"{Requests}/{crashed}/download");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        using (var zipFile = new TempFile())
        {
            await File.WriteAllBytesAsync(zipFile.Path, await download.Content.ReadAsByteArrayAsync());
            var verified = await ExportVerifier.VerifyAsync(zipFile.Path, api.Services.GetRequiredService<PlatformKeys>());
            Assert.True(verified.Ok, verified.Problem); // the whole export, written again: not the dead node's half
        }

        // The job has been through the district since: the live lease is still the other node's.
        await using var conn = await api.Database.OpenAsTenantAsync(district.Id);
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(conn,
            "select count(*) from compliance_request_events where request_id = $1 and comment like 'Export restarted from the start as attempt 2:%'",
            Guid.Parse(crashed)));
        var live = await (await officer.GetAsync($"{Requests}/{running}/export")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((1, 40), (live.GetProperty("attempt").GetInt32(), live.GetProperty("percent").GetInt32()));
        Assert.True(live.GetProperty("leaseUntil").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(50));
        Assert.Equal("processing", (await (await officer.GetAsync($"{Requests}/{running}")).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("state").GetString());
    }

    async Task<string> CreatedRequestAsync(HttpClient officer, string type, Guid student)
    {
        var created = await officer.PostAsJsonAsync(Requests, new { type, subjectId = student });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    async Task<string> ApprovedRequestAsync(HttpClient officer, string type, Guid student)
    {
        var id = await CreatedRequestAsync(officer, type, student);
        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsJsonAsync($"{Requests}/{id}/submit", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsJsonAsync($"{Requests}/{id}/approve", new { comment = "ok" })).StatusCode);
        return id;
    }

    async Task<string> ApprovedExportAsync(HttpClient officer, Guid student)
    {
        var created = await officer.PostAsJsonAsync(Requests, new { type = "export", subjectId = student });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsJsonAsync($"{Requests}/{id}/submit", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsJsonAsync($"{Requests}/{id}/approve", new { comment = "ok" })).StatusCode);
        return id;
    }

    static async Task<JsonElement> WaitForStateAsync(HttpClient client, string id, params string[] states)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var request = await (await client.GetAsync($"{Requests}/{id}")).Content.ReadFromJsonAsync<JsonElement>();
            if (states.Contains(request.GetProperty("state").GetString()) || DateTime.UtcNow > deadline) return request;
            await Task.Delay(200);
        }
    }

    async Task OwnerAsync(string sql)
    {
        await using var owner = new NpgsqlConnection(api.Database.ConnectionStrings.Owner);
        await owner.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, owner);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Key order and spacing aside, the same JSON.</summary>
    static string Normalise(string json) => JsonSerializer.Serialize(JsonSerializer.Deserialize<SortedDictionary<string, JsonElement>>(json));

    static string Read(ZipArchive zip, string path)
    {
        using var reader = new StreamReader(zip.GetEntry(path)?.Open() ?? throw new Xunit.Sdk.XunitException($"{path} is not in the zip"));
        return reader.ReadToEnd();
    }

    static long ManifestRecords(ZipArchive zip, string path) => JsonDocument.Parse(Read(zip, "manifest.json")).RootElement.GetProperty("files")
        .EnumerateArray().Single(f => f.GetProperty("path").GetString() == path).GetProperty("records").GetInt64();

    static void Rewrite(ZipArchive zip, string path, Func<byte[], byte[]> change)
    {
        var entry = zip.GetEntry(path)!;
        byte[] bytes;
        using (var s = entry.Open())
        using (var m = new MemoryStream())
        {
            s.CopyTo(m);
            bytes = m.ToArray();
        }
        entry.Delete();
        using var w = zip.CreateEntry(path).Open();
        w.Write(change(bytes));
    }

    static LmsCloud.Api.Auth.SigningKeyOptions SigningKeysGenerate() => LmsCloud.Api.Auth.SigningKeys.Generate();

    Task<(int Code, string Out, string Error)> CliAsync(params string[] args) => CliWithAsync(new Dictionary<string, string?>
    {
        ["Auth:SigningKeys:0:KeyId"] = api.SigningKey.KeyId,
        ["Auth:SigningKeys:0:Pem"] = api.SigningKey.Pem,
    }, args);

    async Task<(int Code, string Out, string Error)> CliWithAsync(Dictionary<string, string?> settings, params string[] args)
    {
        settings["ConnectionStrings:App"] = api.Database.ConnectionStrings.App;
        settings["ConnectionStrings:Owner"] = api.Database.ConnectionStrings.Owner;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await LmsCloud.Cli.Cli.RunAsync(args, configuration, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    sealed class TempFile : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"lms-export-test-{Guid.NewGuid():N}.zip");

        public void Dispose() => File.Delete(Path);
    }
}
