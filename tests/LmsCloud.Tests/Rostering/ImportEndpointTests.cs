using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Integrations;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Sis;
using LmsCloud.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenIddict.Abstractions;

namespace LmsCloud.Tests.Rostering;

/// <summary><c>/api/sis/imports</c> through HTTP: upload, background import, run details, errors CSV, changes, apply.</summary>
public sealed class ImportEndpointTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task An_uploaded_bulk_package_is_accepted_then_imported_in_the_background()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);

        var response = await RosterSamples.UploadAsync(admin, "northwind-1.1-bulk");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = accepted.GetProperty("id").GetGuid();
        Assert.Equal("received", accepted.GetProperty("status").GetString());
        Assert.Equal($"/api/sis/imports/{id}", response.Headers.Location!.ToString());

        var run = await RosterSamples.WaitForRunAsync(admin, response.Headers.Location.ToString());
        Assert.True(run.GetProperty("status").GetString() == "succeeded", run.ToString());
        Assert.Equal("upload", run.GetProperty("trigger").GetString());
        Assert.False(run.GetProperty("dryRun").GetBoolean());
        Assert.Equal("1.1", run.GetProperty("oneRosterVersion").GetString());
        Assert.Equal("northwind-1.1-bulk.zip", run.GetProperty("packageName").GetString());
        Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Samples.Zip("northwind-1.1-bulk")))).ToLowerInvariant(),
            run.GetProperty("packageSha256").GetString());
        Assert.Equal(100, run.GetProperty("progress").GetProperty("percent").GetInt32());
        var counts = run.GetProperty("counts");
        foreach (var (entity, created) in new[] { ("orgs", 3), ("academicSessions", 3), ("courses", 4), ("classes", 6), ("users", 19), ("enrollments", 35) })
            Assert.True(counts.GetProperty(entity).GetProperty("created").GetInt32() == created, $"{entity}: {counts.GetProperty(entity)}");
        Assert.Equal(0, run.GetProperty("errorCount").GetInt32());
        Assert.Equal(["received", "validating", "staged", "applying", "succeeded"],
            run.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("status").GetString()));
        Assert.True(run.GetProperty("finishedAt").GetDateTimeOffset() >= run.GetProperty("startedAt").GetDateTimeOffset());

        var list = await admin.GetFromJsonAsync<JsonElement>("/api/sis/imports");
        Assert.Equal(id, list.GetProperty("items")[0].GetProperty("id").GetGuid());
        // Enrollment changes are access changes: one chained audit event, attributed to the run and to who uploaded it.
        var audit = await admin.GetStringAsync("/api/audit/events?action=roster.access_changed");
        Assert.Contains(id.ToString(), audit);
    }

    [Fact]
    public async Task The_errors_csv_has_every_row_problem_with_file_line_and_column()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var run = await RosterSamples.ImportAsync(admin, "northwind-1.1-errors");
        var id = run.GetProperty("id").GetGuid();

        var response = await admin.GetAsync($"/api/sis/imports/{id}/errors");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"import-{id}-errors.csv", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        var rows = ParseCsv(await response.Content.ReadAsStringAsync());
        Assert.Equal(["severity", "file", "line", "column", "code", "message"], rows[0]);
        var problems = rows.Skip(1).Select(r => (r[0], r[1], r[2], r[3])).ToList();
        Assert.Equal(run.GetProperty("errorCount").GetInt32() + run.GetProperty("warningCount").GetInt32(), problems.Count);
        // The positions samples/rosters/README.md lists for northwind-1.1-errors.
        foreach (var expected in new[]
                 {
                     ("warning", "users.csv", "6", "role"), ("warning", "users.csv", "7", "enabledUser"), ("error", "users.csv", "17", "givenName"),
                     ("error", "enrollments.csv", "37", "role"), ("warning", "classes.csv", "7", "classType"),
                     ("error", "classes.csv", "8", "courseSourcedId"), ("error", "academicSessions.csv", "5", "startDate"),
                 })
            Assert.Contains(expected, problems);
        Assert.Contains(problems, p => p is ("error", "users.csv", "18", _)); // the ragged row: the row, not a column
    }

    [Fact]
    public async Task A_dry_run_changes_nothing_until_a_district_admin_applies_it()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);

        var dry = await RosterSamples.ImportAsync(admin, "northwind-1.1-bulk", dryRun: true);
        Assert.Equal("dry_run", dry.GetProperty("status").GetString());
        Assert.True(dry.GetProperty("dryRun").GetBoolean());
        Assert.Equal(6, dry.GetProperty("counts").GetProperty("classes").GetProperty("created").GetInt32());
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/classes")).GetProperty("total").GetInt32());
        var id = dry.GetProperty("id").GetGuid();

        var changes = await admin.GetFromJsonAsync<JsonElement>($"/api/sis/imports/{id}/changes?entity=classes&action=created&pageSize=4");
        Assert.Equal(6, changes.GetProperty("total").GetInt32());
        Assert.Equal(4, changes.GetProperty("items").GetArrayLength());
        Assert.All(changes.GetProperty("items").EnumerateArray(), c => Assert.Equal("classes", c.GetProperty("entityType").GetString()));
        Assert.Contains(changes.GetProperty("items").EnumerateArray(), c => c.GetProperty("externalId").GetString() == "nw-cls-alg1-p1");

        var apply = await admin.PostAsync($"/api/sis/imports/{id}/apply", null);
        Assert.Equal(HttpStatusCode.Accepted, apply.StatusCode);
        var applied = await RosterSamples.WaitForRunAsync(admin, $"/api/sis/imports/{id}");
        Assert.Equal("succeeded", applied.GetProperty("status").GetString());
        Assert.Equal(6, (await admin.GetFromJsonAsync<JsonElement>("/api/classes")).GetProperty("total").GetInt32());

        var again = await admin.PostAsync($"/api/sis/imports/{id}/apply", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        Assert.Contains("sis_import.applied_after_review", await admin.GetStringAsync("/api/audit/events?action=sis_import.applied_after_review"));
    }

    [Fact]
    public async Task An_updated_record_lists_the_values_that_change()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        await RosterSamples.ImportAsync(admin, "northwind-1.1-bulk");

        var delta = await RosterSamples.ImportAsync(admin, "northwind-1.1-delta", dryRun: true);

        var changes = await admin.GetFromJsonAsync<JsonElement>($"/api/sis/imports/{delta.GetProperty("id")}/changes?entity=users&action=updated");
        var sophia = Assert.Single(changes.GetProperty("items").EnumerateArray());
        Assert.Equal("nw-s-006", sophia.GetProperty("externalId").GetString());
        Assert.Equal("Martinez", sophia.GetProperty("oldValues").GetProperty("family_name").GetString());
        Assert.Equal("Martinez-Reyes", sophia.GetProperty("newValues").GetProperty("family_name").GetString());
    }

    [Fact]
    public async Task Not_a_zip_not_multipart_no_file_and_unknown_runs_are_problems()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);

        var text = await admin.PostAsync("/api/sis/imports", RosterSamples.Form(Encoding.UTF8.GetBytes("sourcedId,name\nx,y\n"), "users.csv"));
        await HttpAssert.ProblemAsync(text, HttpStatusCode.BadRequest, "Not a zip");
        var truncated = File.ReadAllBytes(Samples.Zip("northwind-1.1-bulk"))[..200]; // a zip's start without its end
        await HttpAssert.ProblemAsync(await admin.PostAsync("/api/sis/imports", RosterSamples.Form(truncated)), HttpStatusCode.BadRequest, "Not a zip");
        await HttpAssert.ProblemAsync(await admin.PostAsync("/api/sis/imports", new StringContent("{}", Encoding.UTF8, "application/json")),
            HttpStatusCode.UnsupportedMediaType);
        var noBoundary = new StringContent("--x\r\n", Encoding.UTF8);
        noBoundary.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("multipart/form-data");
        await HttpAssert.ProblemAsync(await admin.PostAsync("/api/sis/imports", noBoundary), HttpStatusCode.UnsupportedMediaType, "Unsupported media type");
        await HttpAssert.ProblemAsync(await admin.PostAsync("/api/sis/imports", RosterSamples.Form([1, 2, 3], field: "package")),
            HttpStatusCode.BadRequest, "No package");
        await HttpAssert.ProblemAsync(await admin.GetAsync($"/api/sis/imports/{Guid.NewGuid()}"), HttpStatusCode.NotFound, "Import run not found");
        await HttpAssert.ProblemAsync(await admin.GetAsync($"/api/sis/imports/{Guid.NewGuid()}/errors"), HttpStatusCode.NotFound, "Import run not found");
        await HttpAssert.ProblemAsync(await admin.PostAsync($"/api/sis/imports/{Guid.NewGuid()}/apply", null), HttpStatusCode.NotFound, "Import run not found");

        Assert.Empty(Directory.Exists(api.StorageRoot) ? Directory.GetFiles(Path.Combine(api.StorageRoot, district.Id.ToString()), "*", SearchOption.AllDirectories) : []);
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/sis/imports")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_zip_bomb_is_refused_by_the_one_package_check_at_upload_in_the_inbox_and_in_the_engine()
    {
        // 64 MB of one byte deflates about 1,030 to 1: past the cap no real CSV comes near.
        var bomb = Path.Combine(Directory.CreateTempSubdirectory("bomb-").FullName, "bomb.zip");
        using (var zip = System.IO.Compression.ZipFile.Open(bomb, System.IO.Compression.ZipArchiveMode.Create))
        await using (var entry = zip.CreateEntry("users.csv", System.IO.Compression.CompressionLevel.SmallestSize).Open())
        {
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 64; i++) await entry.WriteAsync(zeros);
        }
        Assert.Equal("The package expands to more than 8 GiB or compresses implausibly well; refused.", PackageCheck.Check(bomb));
        Assert.Null(PackageCheck.Check(Samples.Zip("northwind-1.1-bulk")));
        Assert.Equal(PackageCheck.NotAZip, PackageCheck.Check(Samples.Path("northwind-1.1-bulk") + "/users.csv"));

        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        foreach (var endpoint in new[] { "/api/sis/imports", "/api/sis/inbox" })
        {
            var problem = await HttpAssert.ProblemAsync(await admin.PostAsync(endpoint, RosterSamples.Form(await File.ReadAllBytesAsync(bomb))),
                HttpStatusCode.BadRequest, "Package refused");
            Assert.Equal(PackageCheck.Check(bomb), problem.GetProperty("detail").GetString());
        }
        Assert.Empty(Directory.Exists(api.StorageRoot) ? Directory.GetFiles(Path.Combine(api.StorageRoot, district.Id.ToString()), "*", SearchOption.AllDirectories) : []);
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/sis/imports")).GetProperty("total").GetInt32());

        var (_, outcome) = await api.Database.Imports.ImportAsync(new ImportRequest(district.Id, bomb, "bomb.zip", ImportTrigger.Cli, TestDatabase.TestActor));
        Assert.Equal((RunStatus.Failed, PackageCheck.Check(bomb)), (outcome.Status, outcome.FailureReason));
    }

    [Fact]
    public async Task An_integration_client_with_sis_import_may_upload_one_without_it_and_a_student_may_not()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var created = await (await admin.PostAsJsonAsync("/api/integrations/clients", new { name = "SIS sync", scopes = new[] { Scopes.SisImport } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var withScope = await ClientTokenAsync(district.Slug, created.GetProperty("clientId").GetString()!, created.GetProperty("clientSecret").GetString()!);
        var (noScopeId, noScopeSecret) = await ClientWithoutScopesAsync(district);
        var withoutScope = await ClientTokenAsync(district.Slug, noScopeId, noScopeSecret);
        var student = await api.ClientAsAsync(district, Roles.Student);

        var upload = await RosterSamples.UploadAsync(withScope, "northwind-1.1-bulk");
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var run = await RosterSamples.WaitForRunAsync(withScope, upload.Headers.Location!.ToString());
        Assert.StartsWith("client:", run.GetProperty("requestedBy").GetString());

        await HttpAssert.ProblemAsync(await RosterSamples.UploadAsync(withoutScope, "northwind-1.1-bulk"), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await RosterSamples.UploadAsync(student, "northwind-1.1-bulk"), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await student.GetAsync("/api/sis/imports"), HttpStatusCode.Forbidden);
        // Applying over a threshold is for a person: even a client that may upload may not apply.
        await HttpAssert.ProblemAsync(await withScope.PostAsync($"/api/sis/imports/{run.GetProperty("id")}/apply", null), HttpStatusCode.Forbidden);
    }

    /// <summary>A delta that changes nw-s-001's birth date and spells nw-s-002's sex in the wrong case (a warning quoting it).</summary>
    static byte[] DemographicsDelta()
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, text) in new[]
                     {
                         ("manifest.csv", "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.demographics,delta\nsource.systemCode,nw-sis\n"),
                         ("demographics.csv", File.ReadAllLines(Path.Combine(Samples.Path("northwind-1.1-bulk"), "demographics.csv"))[0] + "\n" +
                             "nw-s-001,active,2026-09-01T00:00:00Z,2011-10-04,male,false,false,false,false,true,false,false,US,IL,Chicago,\n" +
                             "nw-s-002,active,2026-09-01T00:00:00Z,2012-02-14,Female,false,true,false,false,false,false,false,US,IL,Naperville,\n"),
                     })
                using (var writer = new StreamWriter(archive.CreateEntry(name).Open()))
                    writer.Write(text);
        return zip.ToArray();
    }

    [Fact]
    public async Task Demographics_changes_and_counts_are_hidden_from_a_sis_import_client_and_shown_and_audited_for_an_admin()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        await RosterSamples.ImportAsync(admin, "northwind-1.1-bulk");
        var created = await (await admin.PostAsJsonAsync("/api/integrations/clients", new { name = "SIS sync", scopes = new[] { Scopes.SisImport } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var client = await ClientTokenAsync(district.Slug, created.GetProperty("clientId").GetString()!, created.GetProperty("clientSecret").GetString()!);
        await HttpAssert.ProblemAsync(await client.GetAsync($"/api/students/{Guid.NewGuid()}/demographics"), HttpStatusCode.Forbidden);
        var ethan = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", "nw-s-001");

        var upload = await client.PostAsync("/api/sis/imports?dryRun=true", RosterSamples.Form(DemographicsDelta()));
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var run = await RosterSamples.WaitForRunAsync(client, upload.Headers.Location!.ToString());
        Assert.Equal("dry_run", run.GetProperty("status").GetString());
        var changes = $"/api/sis/imports/{run.GetProperty("id")}/changes";
        async Task<int> ViewsAsync() => (await admin.GetFromJsonAsync<JsonElement>($"/api/audit/events?action=demographics.viewed&subject={ethan}"))
            .GetProperty("total").GetInt32();

        // Not even listed: a masked "updated" row (or the counts of created, updated, unchanged) would tell the uploader
        // whether the birth date it guessed matches the stored one.
        foreach (var path in new[] { changes, $"{changes}?entity=demographics" })
            Assert.DoesNotContain((await client.GetFromJsonAsync<JsonElement>(path)).GetProperty("items").EnumerateArray(),
                c => c.GetProperty("entityType").GetString() == "demographics");
        var seenByClient = await client.GetFromJsonAsync<JsonElement>(upload.Headers.Location!.ToString());
        Assert.Equal("""{"masked":true}""", seenByClient.GetProperty("counts").GetProperty("demographics").GetRawText());
        Assert.Equal(1, (await admin.GetFromJsonAsync<JsonElement>(upload.Headers.Location!.ToString()))
            .GetProperty("counts").GetProperty("demographics").GetProperty("updated").GetInt32());
        var clientCsv = await client.GetStringAsync($"/api/sis/imports/{run.GetProperty("id")}/errors");
        Assert.Contains("W_CASE", clientCsv);
        Assert.DoesNotContain("Female", clientCsv);
        Assert.Equal(0, await ViewsAsync());

        var shown = Assert.Single((await admin.GetFromJsonAsync<JsonElement>($"{changes}?entity=demographics")).GetProperty("items").EnumerateArray(),
            c => c.GetProperty("externalId").GetString() == "nw-s-001");
        Assert.Equal("2011-10-03", shown.GetProperty("oldValues").GetProperty("birth_date").GetString());
        Assert.Equal("2011-10-04", shown.GetProperty("newValues").GetProperty("birth_date").GetString());
        Assert.Equal(1, await ViewsAsync());
        Assert.Contains("'Female'", await admin.GetStringAsync($"/api/sis/imports/{run.GetProperty("id")}/errors"));
        var csvViews = await admin.GetFromJsonAsync<JsonElement>($"/api/audit/events?action=demographics.viewed");
        Assert.Contains(csvViews.GetProperty("items").EnumerateArray(), e => e.ToString().Contains(run.GetProperty("id").GetString()!) &&
                                                                            e.ToString().Contains("errors CSV"));
    }

    async Task<HttpClient> ClientTokenAsync(string slug, string clientId, string secret)
    {
        var response = await api.PostTokenAsync(slug, ("grant_type", "client_credentials"), ("client_id", clientId), ("client_secret", secret));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return api.ClientFor(slug, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!);
    }

    /// <summary>
    /// An integration client holding no scope (the API only creates clients with one, so it is written directly: the
    /// admin record and its OpenIddict application).
    /// </summary>
    async Task<(string ClientId, string Secret)> ClientWithoutScopesAsync(DistrictSummary district)
    {
        var (clientId, secret) = ($"lms_{Guid.NewGuid():N}"[..24], Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
        await using (var conn = await api.Database.OpenAsTenantAsync(district.Id))
        await using (var cmd = new NpgsqlCommand("""
            insert into integration_clients (tenant_id, id, client_id, name, secret_hash, scopes, created_at)
            values ($1, $2, $3, 'Reporting', $4, '{}', now())
            """, conn))
        {
            foreach (var v in new object[] { district.Id, Guid.NewGuid(), clientId, IntegrationClient.HashSecret(secret) }) cmd.Parameters.AddWithValue(v);
            await cmd.ExecuteNonQueryAsync();
        }
        await DistrictScope.RunAsync(api.Services, new District(district.Id, district.Slug, district.Name, DistrictStatus.Active),
            scope => scope.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = clientId, ClientSecret = secret, ClientType = OpenIddictConstants.ClientTypes.Confidential,
                Permissions = { OpenIddictConstants.Permissions.Endpoints.Token, OpenIddictConstants.Permissions.GrantTypes.ClientCredentials },
            }).AsTask());
        return (clientId, secret);
    }

    /// <summary>The CSV as a spreadsheet would read it (CsvHelper, header included as the first row).</summary>
    static List<string[]> ParseCsv(string text)
    {
        using var reader = CsvHelper.CsvReader.FromText(text, new CsvHelper.CsvReaderOptions { Separator = ',', HasHeader = false });
        var rows = new List<string[]>();
        while (reader.Read()) rows.Add(Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToArray());
        return rows;
    }
}

/// <summary>The size limit, with a tiny <c>Sis:MaxUploadBytes</c>.</summary>
public sealed class UploadLimitTests(UploadLimitTests.TinyLimitApi api) : IClassFixture<UploadLimitTests.TinyLimitApi>
{
    public sealed class TinyLimitApi : ApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [KeyValuePair.Create("Sis:MaxUploadBytes", "2048")];
    }

    [Fact]
    public async Task A_package_over_the_limit_is_a_413_problem_and_leaves_nothing_behind()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        Assert.True(new FileInfo(Samples.Zip("northwind-1.1-bulk")).Length > 2048);

        var response = await RosterSamples.UploadAsync(admin, "northwind-1.1-bulk");
        await HttpAssert.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "Package too large");
        await HttpAssert.ProblemAsync(await RosterSamples.UploadAsync(admin, "northwind-1.1-bulk", path: "/api/sis/inbox"),
            HttpStatusCode.RequestEntityTooLarge, "Package too large");

        var stored = Path.Combine(api.StorageRoot, district.Id.ToString());
        Assert.Empty(Directory.Exists(stored) ? Directory.GetFiles(stored, "*", SearchOption.AllDirectories) : []);
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/sis/imports")).GetProperty("total").GetInt32());
    }
}
