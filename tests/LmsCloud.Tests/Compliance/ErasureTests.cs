using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance;
using LmsCloud.Core.Compliance.Erasure;
using LmsCloud.Core.Compliance.Holds;
using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Rostering;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LmsCloud.Tests.Compliance;

/// <summary>
/// Erasure of one person (<see cref="PersonErasure"/>), the audit chain after it, erasure requests and deletion
/// certificates, over the real database as the application role; direct queries as the owner check what happened.
/// </summary>
public sealed class ErasureTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    static readonly AuditActor Officer = new("system", "erasure-test");

    sealed record Person(Guid Id, string Email, string GivenName, string FamilyName, string UserName);

    static District DistrictOf(DistrictSummary d) => new(d.Id, d.Slug, d.Name, DistrictStatus.Active);

    Task<T> InDistrictAsync<T>(DistrictSummary district, Func<IServiceProvider, Task<T>> work) =>
        DistrictScope.RunAsync(api.Services, DistrictOf(district), work);

    async Task<NpgsqlConnection> OwnerAsync(Guid tenantId)
    {
        var conn = new NpgsqlConnection(api.Database.ConnectionStrings.Owner);
        await conn.OpenAsync();
        await TenantSession.SetAsync(conn, tenantId); // the owner obeys forced RLS too
        return conn;
    }

    async Task<Person> PersonAsync(Guid tenantId, string sourcedId)
    {
        var id = await RosterSamples.InternalIdAsync(api.Database, tenantId, "users", sourcedId);
        await using var conn = await OwnerAsync(tenantId);
        await using var cmd = new NpgsqlCommand("select email, given_name, family_name, user_name from users where id = $1", conn) { Parameters = { new() { Value = id } } };
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        return new Person(id, r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3));
    }

    /// <summary>Per data map entry with person keys, the person's rows, counted as the owner.</summary>
    async Task<Dictionary<string, long>> RowsAsync(Guid tenantId, Guid person)
    {
        await using var conn = await OwnerAsync(tenantId);
        var counts = new Dictionary<string, long>();
        foreach (var entry in DataMap.Entries.Where(e => e.PersonRowsSql() != null))
            counts[entry.Table] = await TestDatabase.ScalarAsync<long>(conn, $"select count(*) from {entry.Table} where {entry.PersonRowsSql()}", person);
        return counts;
    }

    /// <summary>Every text and JSON value of the district (every tenant table) containing <paramref name="needle"/>, as table.column.</summary>
    async Task<List<string>> WhereQuotedAsync(Guid tenantId, string needle)
    {
        await using var conn = await OwnerAsync(tenantId);
        var columns = await RlsCatalog.ListAsync(conn, """
            select c.table_name || '.' || c.column_name from information_schema.columns c
            where c.table_schema = 'public' and c.data_type in ('text', 'character varying', 'json', 'jsonb')
              and exists (select 1 from information_schema.columns t where t.table_schema = 'public' and t.table_name = c.table_name and t.column_name = 'tenant_id')
            order by 1
            """);
        var hits = new List<string>();
        foreach (var column in columns)
        {
            var (table, name) = (column.Split('.')[0], column.Split('.')[1]);
            if (await TestDatabase.ScalarAsync<long>(conn, $"select count(*) from {table} where {name}::text ilike '%' || $1 || '%'", needle) > 0)
                hits.Add(column);
        }
        return hits;
    }

    /// <summary>Audit events that quote the person, as an admin's edit and a failed sign-in would, and a row error quoting the name.</summary>
    async Task QuoteThePersonAsync(DistrictSummary district, Person person, Guid runId)
    {
        await using var conn = await api.Database.OpenAsTenantAsync(district.Id);
        await using (var tx = await conn.BeginTransactionAsync())
        {
            var now = DateTimeOffset.UtcNow;
            await AuditLog.AppendAsync(conn, tx, district.Id, new AuditEntry("user.updated", "user", person.Id.ToString(), person.Id,
                Before: new { email = person.Email, givenName = person.GivenName }, After: new { email = $"new.{person.Email}", familyName = person.FamilyName },
                Reason: $"{person.GivenName} {person.FamilyName} asked for it"), Officer, "req-1", "198.51.100.1", now, default);
            await AuditLog.AppendAsync(conn, tx, district.Id, new AuditEntry("sign_in.failed", After: new { userName = person.Email }),
                AuditActor.Anonymous, "req-2", "198.51.100.2", now, default);
            await AuditLog.AppendAsync(conn, tx, district.Id, new AuditEntry("grade.changed", "grade", "g-1", person.Id, Reason: "late work"),
                AuditActor.User(person.Id), "req-3", "198.51.100.3", now, default); // the person as actor: their address goes
            await using var error = new NpgsqlCommand("""
                insert into import_row_errors (tenant_id, run_id, seq, severity, file, line, column_name, code, message)
                values ($1, $2, 999999, 'warning', 'users.csv', 7, 'email', 'test.quoted', $3)
                """, conn, tx)
            {
                Parameters = { new() { Value = district.Id }, new() { Value = runId }, new() { Value = $"email '{person.Email}' of {person.GivenName} {person.FamilyName} looks odd" } },
            };
            await error.ExecuteNonQueryAsync();
            await tx.CommitAsync();
        }
    }

    [Fact]
    public async Task Erasing_an_imported_student_handles_every_mapped_table_as_the_map_says_and_leaves_a_peer_and_another_district_alone()
    {
        var district = await api.Database.CreateDistrictAsync();
        var other = await api.Database.CreateDistrictAsync();
        var run = await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, "northwind-1.1-bulk");
        await RosterSamples.ImportDirectlyAsync(api.Database, other.Id, "northwind-1.1-bulk");
        var student = await PersonAsync(district.Id, "nw-s-001");
        var peer = await PersonAsync(district.Id, "nw-s-002");
        var twin = await PersonAsync(other.Id, "nw-s-001");
        await QuoteThePersonAsync(district, student, run.RunId);
        var admin = await api.CreateUserAsync(district, Roles.DistrictAdmin);
        await using (var conn = await OwnerAsync(district.Id))
        {
            // A reset code an admin issued to the student, and one the student (as if an admin) issued to the peer.
            await using var cmd = new NpgsqlCommand("""
                insert into password_reset_tokens (tenant_id, id, user_id, token_hash, created_at, created_by, expires_at)
                values ($1, gen_random_uuid(), $2, 'h1', now(), $4, now() + interval '1 day'),
                       ($1, gen_random_uuid(), $3, 'h2', now(), $2, now() + interval '1 day')
                """, conn) { Parameters = { new() { Value = district.Id }, new() { Value = student.Id }, new() { Value = peer.Id }, new() { Value = admin.Id } } };
            await cmd.ExecuteNonQueryAsync();
        }

        var before = await RowsAsync(district.Id, student.Id);
        var peerBefore = await RowsAsync(district.Id, peer.Id);
        var twinBefore = await RowsAsync(other.Id, twin.Id);
        Assert.True(before["enrollments"] > 0 && before["demographics"] == 1 && before["guardian_links"] == 2 && before["import_changes"] >= 2);

        var result = await InDistrictAsync(district, sp => sp.GetRequiredService<PersonErasure>()
            .EraseAsync(student.Id, new ErasureContext(Officer, null, null, "test erasure")));
        Assert.True(result.Erased);
        long Reported(string table, string method) => result.Counts.Where(c => c.Table == table && c.Method == method).Sum(c => c.Rows);

        var after = await RowsAsync(district.Id, student.Id);
        foreach (var entry in DataMap.Entries.Where(e => e.PersonRowsSql() != null))
        {
            switch (entry.Erasure.Method)
            {
                case ErasureMethod.DeleteRows when entry.Erasure.Replace is not { Count: > 0 }:
                    Assert.True(after[entry.Table] == 0, $"{entry.Table}: {after[entry.Table]} rows of the person left");
                    Assert.True(before[entry.Table] == Reported(entry.Table, "delete"), $"{entry.Table}: {before[entry.Table]} rows, {Reported(entry.Table, "delete")} reported");
                    break;
                case ErasureMethod.Keep when entry.Table == "audit_events":
                    Assert.Equal(before[entry.Table] + 1, after[entry.Table]); // and person.erased
                    break;
                case ErasureMethod.Keep:
                    Assert.Equal(before[entry.Table], after[entry.Table]);
                    Assert.Equal(before[entry.Table], Reported(entry.Table, "keep"));
                    break;
            }
        }
        // Reset codes: the student's deleted, the one they issued kept with created_by nulled.
        Assert.Equal(0, after["password_reset_tokens"]);
        Assert.Equal(1, Reported("password_reset_tokens", "delete"));
        Assert.Equal(1, Reported("password_reset_tokens", "anonymise"));
        Assert.Equal(peerBefore["password_reset_tokens"], (await RowsAsync(district.Id, peer.Id))["password_reset_tokens"]);
        // The users row stays, anonymised: the id holds, nothing personal is left.
        await using (var conn = await OwnerAsync(district.Id))
        {
            await using var cmd = new NpgsqlCommand(
                "select user_name, email, given_name, family_name, display_name, enabled_user, password_hash from users where id = $1", conn)
            { Parameters = { new() { Value = student.Id } } };
            await using var r = await cmd.ExecuteReaderAsync();
            Assert.True(await r.ReadAsync());
            Assert.Equal($"erased-{student.Id}", r.GetString(0));
            Assert.True(r.IsDBNull(1) && r.IsDBNull(2) && r.IsDBNull(3));
            Assert.Equal("Erased person", r.GetString(4));
            Assert.False(r.GetBoolean(5));
            Assert.True(r.IsDBNull(6));
        }
        Assert.Equal(1, Reported("users", "anonymise"));
        Assert.Equal(3, Reported("audit_events", "redact")); // the admin's edit, the failed sign-in quoting the email, the person's own act
        Assert.Equal(1, Reported("import_row_errors", "scrub"));
        Assert.Contains(result.Withheld, w => w.What == "audit_events");

        // The peer and the same sourcedId in another district are untouched.
        Assert.Equal(peerBefore, await RowsAsync(district.Id, peer.Id));
        Assert.Equal(peer, await PersonAsync(district.Id, "nw-s-002"));
        Assert.Equal(twinBefore, await RowsAsync(other.Id, twin.Id));
        Assert.Equal(twin, await PersonAsync(other.Id, "nw-s-001"));
        Assert.Contains("users.email", await WhereQuotedAsync(other.Id, twin.Email));

        // The chain verifies, and the name and email appear nowhere in the district.
        await using (var db = api.Database.CreateContext(district.Id))
            Assert.Equal(new AuditVerification(true, await TestDatabase.ScalarAsync<long>(await OwnerAsync(district.Id), "select count(*) from audit_events"), null),
                await AuditLog.VerifyAsync(db));
        // (The family name alone stays where it is another person's: the student's guardians share it.)
        foreach (var needle in new[] { student.Email, student.UserName, $"{student.GivenName} {student.FamilyName}" })
            Assert.True((await WhereQuotedAsync(district.Id, needle)) is { Count: 0 } hits, $"'{needle}' is still in {string.Join(", ", await WhereQuotedAsync(district.Id, needle))}");
        await using (var conn = await OwnerAsync(district.Id))
        {
            Assert.Equal(0L, await TestDatabase.ScalarAsync<long>(conn,
                "select count(*) from audit_events where client_address = '198.51.100.3' or (redacted_at is not null and payload_salt is not null)"));
            Assert.Equal("198.51.100.1", await TestDatabase.ScalarAsync<string>(conn, "select client_address from audit_events where request_id = 'req-1'"));
            Assert.Contains("[erased] asked for it", await TestDatabase.ScalarAsync<string>(conn, "select reason from audit_events where request_id = 'req-1'"));
            var edited = await TestDatabase.ScalarAsync<string>(conn, "select before_values::text || after_values::text from audit_events where request_id = 'req-1'");
            Assert.DoesNotContain(student.GivenName, edited); // within an event about the person, the parts of the name go too
            Assert.DoesNotContain(student.FamilyName, edited);
            var erased = await TestDatabase.ScalarAsync<string>(conn, "select after_values::text from audit_events where action = 'person.erased' and subject_user_id = $1", student.Id);
            Assert.Contains("\"enrollments\"", erased);
        }

        // Erasing again (a rerun after a crash, a second request) finds nothing more to delete or scrub.
        var again = await InDistrictAsync(district, sp => sp.GetRequiredService<PersonErasure>()
            .EraseAsync(student.Id, new ErasureContext(Officer, null, null, "test erasure, again")));
        Assert.True(again.Erased);
        Assert.Equal(0, again.Counts.Where(c => c.Method is "delete" or "scrub").Sum(c => c.Rows));
        Assert.Equal(peerBefore, await RowsAsync(district.Id, peer.Id));
        await using (var db = api.Database.CreateContext(district.Id))
            Assert.True((await AuditLog.VerifyAsync(db)).Ok);
    }

    [Fact]
    public async Task A_held_person_is_refused_with_nothing_erased_and_an_erasure_request_for_them_fails_naming_the_hold()
    {
        var district = await api.Database.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, "northwind-1.1-bulk");
        var student = await PersonAsync(district.Id, "nw-s-003");
        var holdId = await InDistrictAsync(district, sp =>
            new LegalHolds(sp.GetRequiredService<LmsDbContext>(), sp.GetRequiredService<AuditLog>(), TimeProvider.System)
                .PlaceAsync("person", student.Id, "Litigation hold: case 24-117", Officer));
        var before = await RowsAsync(district.Id, student.Id);

        var result = await InDistrictAsync(district, sp => sp.GetRequiredService<PersonErasure>()
            .EraseAsync(student.Id, new ErasureContext(Officer, null, null, "test erasure")));
        Assert.False(result.Erased);
        Assert.Empty(result.Counts);
        var hold = Assert.Single(result.Withheld);
        Assert.Equal($"legal hold {holdId}", hold.What);
        Assert.Contains("Litigation hold: case 24-117", hold.Why);
        Assert.Equal(before, await RowsAsync(district.Id, student.Id));
        Assert.Equal(student, await PersonAsync(district.Id, "nw-s-003"));

        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        var id = await ApprovedErasureAsync(officer, student.Id);
        var outcome = await ProcessAsync(district, id, officer);
        Assert.Equal("failed", outcome.GetProperty("state").GetString());
        Assert.Contains($"legal hold {holdId}", outcome.GetProperty("reason").GetString());
        Assert.Equal(student, await PersonAsync(district.Id, "nw-s-003"));
        Assert.Empty((await officer.GetFromJsonAsync<JsonElement>($"/api/compliance/certificates?requestId={id}")).EnumerateArray());
    }

    async Task<Guid> ApprovedErasureAsync(HttpClient officer, Guid subject)
    {
        var created = await officer.PostAsJsonAsync("/api/compliance/requests", new { type = "erasure", subjectId = subject });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsJsonAsync($"/api/compliance/requests/{id}/submit", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsJsonAsync($"/api/compliance/requests/{id}/approve", new { })).StatusCode);
        return id;
    }

    /// <summary>Runs the erasure job, then waits for the request to close (the scheduled job may have taken it first).</summary>
    async Task<JsonElement> ProcessAsync(DistrictSummary district, Guid id, HttpClient officer)
    {
        using (var scope = api.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<LmsCloud.Api.Compliance.ErasureRequestsJob>().RunAsync();
        return await Eventually.MatchAsync(() => officer.GetFromJsonAsync<JsonElement>($"/api/compliance/requests/{id}"),
            r => r.GetProperty("state").GetString() is "completed" or "failed");
    }

    [Fact]
    public async Task An_approved_erasure_request_completes_with_a_signed_certificate_that_the_cli_verifies_and_a_changed_byte_fails()
    {
        var district = await api.Database.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, "northwind-1.1-bulk");
        var student = await PersonAsync(district.Id, "nw-s-004");
        var enrollments = (await RowsAsync(district.Id, student.Id))["enrollments"];
        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        var id = await ApprovedErasureAsync(officer, student.Id);

        var request = await ProcessAsync(district, id, officer);
        Assert.Equal("completed", request.GetProperty("state").GetString());
        var timeline = request.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("toState").GetString()).ToList();
        Assert.Equal(["received", "awaiting_approval", "approved", "processing", "completed"], timeline);

        var listed = Assert.Single((await officer.GetFromJsonAsync<JsonElement>($"/api/compliance/certificates?requestId={id}")).EnumerateArray());
        var download = await officer.GetAsync(listed.GetProperty("href").GetString());
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/json", download.Content.Headers.ContentType?.MediaType);
        var bytes = await download.Content.ReadAsByteArrayAsync();
        var text = Encoding.UTF8.GetString(bytes);
        var certificate = JsonDocument.Parse(bytes).RootElement.GetProperty("certificate");
        Assert.Equal(district.Id, certificate.GetProperty("district").GetGuid());
        Assert.Equal(id, certificate.GetProperty("scope").GetProperty("requestId").GetGuid());
        Assert.Equal(student.Id, certificate.GetProperty("scope").GetProperty("subjectId").GetGuid());
        var tables = certificate.GetProperty("tables").EnumerateArray().ToList();
        Assert.Contains(tables, t => t.GetProperty("table").GetString() == "enrollments" && t.GetProperty("method").GetString() == "delete"
                                     && t.GetProperty("rows").GetInt64() == enrollments);
        Assert.Contains(certificate.GetProperty("withheld").EnumerateArray(), w => w.GetProperty("what").GetString() == "compliance_requests");
        var backups = Assert.Single(certificate.GetProperty("residualCopies").EnumerateArray());
        Assert.Equal("P35D", backups.GetProperty("retention").GetString());
        Assert.Equal(DateTimeOffset.UtcNow.AddDays(35).ToString("yyyy-MM-dd"), backups.GetProperty("expiresBy").GetString());
        foreach (var needle in new[] { student.Email, student.FamilyName, student.UserName })
            Assert.DoesNotContain(needle, text, StringComparison.OrdinalIgnoreCase);

        // The chain head it names is the person.erased event's, and the chain still verifies.
        await using (var conn = await OwnerAsync(district.Id))
        {
            var erasedSeq = await TestDatabase.ScalarAsync<long>(conn, "select max(seq) from audit_events where action = 'person.erased'");
            var head = certificate.GetProperty("auditChainHead");
            Assert.Equal(erasedSeq, head.GetProperty("seq").GetInt64());
            Assert.Equal(Convert.ToHexString(await TestDatabase.ScalarAsync<byte[]>(conn, "select hash from audit_events where seq = $1", erasedSeq)).ToLowerInvariant(),
                head.GetProperty("hash").GetString());
        }
        Assert.True((await officer.GetFromJsonAsync<JsonElement>("/api/audit/verify")).GetProperty("ok").GetBoolean());

        var file = Path.Combine(Path.GetTempPath(), $"certificate-{Guid.NewGuid():N}.json");
        try
        {
            await File.WriteAllBytesAsync(file, bytes);
            var intact = await VerifyCertificateAsync(file, api.SigningKey);
            Assert.True(intact.Code == 0, intact.Error);
            Assert.StartsWith($"certificate {certificate.GetProperty("id").GetString()} intact: erasure", intact.Out);

            // One changed byte inside the certificate: the signature no longer matches.
            var index = text.IndexOf("\"rows\": ", StringComparison.Ordinal) + "\"rows\": ".Length;
            var changed = (byte[])bytes.Clone();
            changed[index] = (byte)(changed[index] == (byte)'9' ? '8' : '9');
            await File.WriteAllBytesAsync(file, changed);
            var broken = await VerifyCertificateAsync(file, api.SigningKey);
            Assert.Equal(1, broken.Code);
            Assert.Contains("the signature does not match: the certificate was changed after it was signed", broken.Error);

            // Signed by a key that is not the platform's.
            await File.WriteAllBytesAsync(file, bytes);
            var stranger = await VerifyCertificateAsync(file, LmsCloud.Api.Auth.SigningKeys.Generate());
            Assert.Equal(1, stranger.Code);
            Assert.Contains("not one of the platform's signing keys", stranger.Error);

            await File.WriteAllTextAsync(file, "{\"certificate\": {}}");
            Assert.Contains("not signed", (await VerifyCertificateAsync(file, api.SigningKey)).Error);
        }
        finally
        {
            File.Delete(file);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await officer.GetAsync($"/api/compliance/certificates/{Guid.NewGuid()}")).StatusCode);
        // Another district's officer cannot fetch it.
        var stranger2 = await api.ClientAsAsync(await api.Database.CreateDistrictAsync(), Roles.ComplianceOfficer);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger2.GetAsync(listed.GetProperty("href").GetString())).StatusCode);
    }

    static async Task<(int Code, string Out, string Error)> VerifyCertificateAsync(string file, LmsCloud.Api.Auth.SigningKeyOptions key)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:SigningKeys:0:KeyId"] = key.KeyId,
            ["Auth:SigningKeys:0:Pem"] = key.Pem,
            ["Database:DataDirectory"] = Path.Combine(Path.GetTempPath(), "no-such-lms-data"),
        }).Build();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await LmsCloud.Cli.Cli.RunAsync(["compliance", "verify-certificate", file], configuration, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Redaction_changes_only_the_payload_once_and_events_of_the_old_hash_rule_still_verify()
    {
        var district = await api.Database.CreateDistrictAsync();
        await using var owner = await OwnerAsync(district.Id);
        // An event as written before migration 0020: the version-1 rule hashed the payload itself.
        var old = new AuditEventRecord
        {
            TenantId = district.Id, Seq = 1, OccurredAt = DateTimeOffset.Parse("2026-01-05T10:00:00Z"), ActorType = "operator", ActorId = "ops",
            Action = "user.updated", AfterValues = "{\"email\":\"old@example.test\"}", Reason = "old rule", PrevHash = new byte[32], HashVersion = 1,
        };
        old.Hash = old.ComputeHash();
        await using (var insert = new NpgsqlCommand("""
            insert into audit_events (tenant_id, seq, occurred_at, actor_type, actor_id, action, after_values, reason, prev_hash, hash, hash_version)
            values ($1, 1, $2, 'operator', 'ops', 'user.updated', $3::json, 'old rule', $4, $5, 1)
            """, owner) { Parameters = { new() { Value = district.Id }, new() { Value = old.OccurredAt }, new() { Value = old.AfterValues }, new() { Value = old.PrevHash }, new() { Value = old.Hash } } })
            await insert.ExecuteNonQueryAsync();
        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer); // appends version-2 events after it
        var verified = await officer.GetFromJsonAsync<JsonElement>("/api/audit/verify");
        Assert.True(verified.GetProperty("ok").GetBoolean(), verified.ToString());
        Assert.True(verified.GetProperty("checked").GetInt64() >= 2);

        await using var app = await api.Database.OpenAsTenantAsync(district.Id);
        async Task<string> Refused(string sql) =>
            (await Assert.ThrowsAsync<PostgresException>(async () => { await using var c = new NpgsqlCommand(sql, app); await c.ExecuteNonQueryAsync(); })).MessageText;
        Assert.Contains("append-only", await Refused("update audit_events set reason = 'x', payload_salt = null, redacted_at = now() where seq = 1")); // version 1
        Assert.Contains("append-only", await Refused("update audit_events set reason = 'x' where seq = 2")); // not marked redacted
        Assert.Contains("append-only", await Refused("update audit_events set reason = 'x', redacted_at = now() where seq = 2")); // salt kept
        Assert.Contains("permission denied", await Refused("update audit_events set action = 'x' where seq = 2"));
        await using (var redact = new NpgsqlCommand("update audit_events set reason = '[erased]', payload_salt = null, redacted_at = now() where seq = 2", app))
            Assert.Equal(1, await redact.ExecuteNonQueryAsync());
        Assert.Contains("append-only", await Refused("update audit_events set reason = 'again', payload_salt = null, redacted_at = now() where seq = 2")); // once
        Assert.True((await officer.GetFromJsonAsync<JsonElement>("/api/audit/verify")).GetProperty("ok").GetBoolean());

        // A payload changed without redaction (as the owner, trigger off) is caught by its commitment.
        await using (var tx = await app.BeginTransactionAsync())
        {
            await AuditLog.AppendAsync(app, tx, district.Id, new AuditEntry("test.event", Reason: "as written"), Officer, null, "192.0.2.1", DateTimeOffset.UtcNow, default);
            await tx.CommitAsync();
        }
        var last = await TestDatabase.ScalarAsync<long>(app, "select max(seq) from audit_events");
        await using (var edit = new NpgsqlCommand($"""
            alter table audit_events disable trigger audit_events_append_only;
            update audit_events set client_address = '192.0.2.99' where seq = {last};
            alter table audit_events enable trigger audit_events_append_only;
            """, owner))
            await edit.ExecuteNonQueryAsync();
        await using (var db = api.Database.CreateContext(district.Id))
        {
            var broken = await AuditLog.VerifyAsync(db);
            Assert.False(broken.Ok);
            Assert.Equal(last, broken.FirstBrokenSeq);
            Assert.Contains("was changed after it was written", broken.Problem);
        }
    }
}
