using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LmsCloud.Api.Districts;
using LmsCloud.Api.Http;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Rostering;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LmsCloud.Tests.Http;

/// <summary>
/// Findings of a black-box probe of the running product (issue item 5): input that used to answer 500 with a stack
/// trace in the log. Each is now a 400 problem that says what is wrong, or the correct answer; nothing is stored or
/// changed, and nothing is logged as an error.
/// </summary>
public sealed class BadInputTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Theory]
    [InlineData("xn--a.localhost")] // not valid punycode: IdnMapping refuses it
    [InlineData("XN--A.localhost")]
    [InlineData("xn--a.localhost:8080")]
    [InlineData("xn--80ak6aa92e.localhost")] // valid punycode of a label no district has
    public async Task A_malformed_or_unknown_punycode_host_is_an_unknown_district(string host)
    {
        var before = api.Errors.Count;

        // The Host header exactly as a client sends it (HttpClient over TestServer would trip over it before the API does).
        var context = await api.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/api/district";
            c.Request.Headers.Host = host;
        });

        Assert.Equal(StatusCodes.Status404NotFound, context.Response.StatusCode);
        Assert.StartsWith("application/problem+json", context.Response.ContentType);
        var problem = await JsonSerializer.DeserializeAsync<JsonElement>(context.Response.Body);
        Assert.Equal("Unknown district", problem.GetProperty("title").GetString());
        Assert.Contains(host.Split(':')[0], problem.GetProperty("detail").GetString());
        Assert.Empty(api.Errors.Skip(before));
    }

    [Theory]
    [InlineData("Alder\0District", "America/Chicago", "en-US", "displayName")]
    [InlineData("Alder\u0007District", "America/Chicago", "en-US", "displayName")]
    [InlineData("Alder District", "America/Chicago\0", "en-US", "timeZone")]
    [InlineData("Alder District", "America/Chicago", "en-US\0", "locale")]
    public async Task A_nul_in_the_district_settings_is_a_validation_problem_naming_the_field_and_changes_nothing(
        string name, string timeZone, string locale, string field)
    {
        var district = await api.Database.CreateDistrictAsync("Alder District");
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);

        var response = await WithoutErrorLogsAsync(() => admin.PutAsJsonAsync("/api/district", new UpdateDistrictRequest(name, timeZone, locale)));

        await HttpAssert.ValidationProblemAsync(response, field);
        var profile = await admin.GetFromJsonAsync<DistrictResponse>("/api/district");
        Assert.Equal(("Alder District", "America/Chicago", "en-US"), (profile!.DisplayName, profile.TimeZone, profile.Locale));
    }

    [Fact]
    public async Task A_nul_in_a_users_name_or_email_is_a_validation_problem_and_creates_or_changes_nothing()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var before = (await admin.GetFromJsonAsync<JsonElement>("/api/users")).GetProperty("total").GetInt32();

        var badName = await WithoutErrorLogsAsync(() => admin.PostAsJsonAsync("/api/users",
            new { email = "nul.name@example.test", displayName = "Ana\0Rivera", roles = new[] { "Teacher" } }));
        await HttpAssert.ValidationProblemAsync(badName, "displayName");
        var badEmail = await WithoutErrorLogsAsync(() => admin.PostAsJsonAsync("/api/users",
            new { email = "nul\0email@example.test", displayName = "Ana Rivera", roles = new[] { "Teacher" } }));
        await HttpAssert.ValidationProblemAsync(badEmail, "email");
        Assert.Equal(before, (await admin.GetFromJsonAsync<JsonElement>("/api/users")).GetProperty("total").GetInt32());

        var user = await api.CreateUserAsync(district, Roles.Teacher);
        var patched = await WithoutErrorLogsAsync(() => admin.PatchAsJsonAsync($"/api/users/{user.Id}", new { displayName = "Renamed\0" }));
        await HttpAssert.ValidationProblemAsync(patched, "displayName");
        Assert.Equal($"Test {Roles.Teacher}", (await admin.GetFromJsonAsync<JsonElement>($"/api/users/{user.Id}")).GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task A_nul_in_a_text_filter_is_a_validation_problem_naming_the_parameter()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var run = await RosterSamples.ImportAsync(admin, "northwind-1.1-bulk");
        var changes = $"/api/sis/imports/{run.GetProperty("id").GetGuid()}/changes";

        foreach (var (url, parameter) in new[]
                 {
                     ("/api/users?q=%00", "q"), ("/api/users?q=ana%00", "q"), ("/api/audit/events?actor=%00", "actor"),
                     ("/api/audit/events?action=sign_in%00", "action"), ($"{changes}?entity=%00", "entity"), ($"{changes}?action=created%00", "action"),
                 })
        {
            var response = await WithoutErrorLogsAsync(() => admin.GetAsync(url));
            await HttpAssert.ValidationProblemAsync(response, parameter, url);
        }
    }

    [Theory]
    [InlineData("password", "username", false)]
    [InlineData("client_credentials", "client_id", false)]
    [InlineData("client_credentials", "client_id", true)] // HTTP Basic: its parts are percent-decoded
    public async Task A_nul_in_a_token_request_is_an_oauth_invalid_request(string grant, string field, bool basic)
    {
        var district = await api.Database.CreateDistrictAsync();
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = grant, ["username"] = "someone@example.test", ["password"] = "a long enough password",
            ["client_id"] = "lms_x", ["client_secret"] = "secret",
        };
        var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token");
        if (basic)
        {
            form.Remove("client_id");
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("lms_%00x:secret")));
        }
        else form[field] = "nul\0" + form[field];
        request.Content = new FormUrlEncodedContent(form);

        var response = await WithoutErrorLogsAsync(() => api.ClientFor(district.Slug).SendAsync(request));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_request", error.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("error_description").GetString()));
    }

    [Fact]
    public void A_nul_that_reaches_postgres_through_a_field_without_its_own_check_is_still_a_400_problem()
    {
        // The safety net behind the checks above, as EF reports a refused save (no endpoint is known to lack its check).
        var refused = new DbUpdateException("An error occurred while saving the entity changes.",
            new PostgresException("invalid byte sequence for encoding \"UTF8\": 0x00", "ERROR", "ERROR", PostgresErrorCodes.CharacterNotInRepertoire));
        var context = new ProblemDetailsContext { HttpContext = new DefaultHttpContext { RequestServices = api.Services }, Exception = refused };

        ProblemDetailsDefaults.Customize(context);

        Assert.Equal(StatusCodes.Status400BadRequest, ProblemDetailsDefaults.StatusCodeFor(refused));
        Assert.Equal("Bad request", context.ProblemDetails.Title);
        Assert.Contains("NUL", context.ProblemDetails.Detail);
        var ours = new PostgresException("duplicate key value", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation);
        Assert.Equal(StatusCodes.Status500InternalServerError, ProblemDetailsDefaults.StatusCodeFor(ours));
    }

    public static TheoryData<string, bool> CutOffUploads => new()
    {
        { "/api/sis/imports", false }, { "/api/sis/imports", true }, { "/api/sis/inbox", false }, { "/api/sis/inbox", true },
    };

    [Theory]
    [MemberData(nameof(CutOffUploads))]
    public async Task An_upload_cut_off_mid_body_is_a_400_problem_and_leaves_no_file_and_no_run(string path, bool connectionDrops)
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var zip = await File.ReadAllBytesAsync(Samples.Zip("northwind-1.1-bulk"));
        // The part headers and half the zip, under a Content-Length for all of it; the rest and the closing boundary
        // never come. Either the body just ends, or reading it fails as when the client's connection drops.
        var body = Encoding.ASCII.GetBytes(
                "--cut\r\nContent-Disposition: form-data; name=\"file\"; filename=\"roster.zip\"\r\nContent-Type: application/zip\r\n\r\n")
            .Concat(zip.Take(zip.Length / 2)).ToArray();
        var before = api.Errors.Count;

        // The request as the server sees it (HttpClient would fail its own send when its content stream throws).
        var context = await api.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Post;
            c.Request.Path = path;
            c.Request.Headers.Host = $"{district.Slug}.localhost";
            c.Request.Headers.Authorization = admin.DefaultRequestHeaders.Authorization!.ToString();
            c.Request.ContentType = "multipart/form-data; boundary=cut";
            c.Request.ContentLength = body.Length + zip.Length / 2 + 9;
            c.Request.Body = connectionDrops ? new DroppingStream(body) : new MemoryStream(body);
        });

        Assert.Equal(StatusCodes.Status400BadRequest, context.Response.StatusCode);
        Assert.StartsWith("application/problem+json", context.Response.ContentType);
        var problem = await JsonSerializer.DeserializeAsync<JsonElement>(context.Response.Body);
        Assert.Equal("Incomplete upload", problem.GetProperty("title").GetString());
        Assert.Empty(api.Errors.Skip(before));
        var folder = Path.Combine(api.StorageRoot, district.Id.ToString());
        Assert.Empty(Directory.Exists(folder) ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories) : []);
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/sis/imports")).GetProperty("total").GetInt32());
        Assert.Empty(await admin.GetFromJsonAsync<JsonElement[]>("/api/sis/inbox") ?? []);
    }

    [Fact]
    public async Task A_nul_in_the_uploaded_file_name_is_a_400_problem_and_leaves_no_file_and_no_run()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var form = RosterSamples.Form(await File.ReadAllBytesAsync(Samples.Zip("northwind-1.1-bulk")));
        // The name becomes the run's package_name (text); RFC 5987 lets a client percent-encode a NUL into it.
        form.Single().Headers.ContentDisposition = ContentDispositionHeaderValue.Parse("form-data; name=\"file\"; filename*=UTF-8''roster%00.zip");

        var response = await WithoutErrorLogsAsync(() => admin.PostAsync("/api/sis/imports", form));

        var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, withDetail: true);
        Assert.Equal("Bad file name", problem.GetProperty("title").GetString());
        var folder = Path.Combine(api.StorageRoot, district.Id.ToString());
        Assert.Empty(Directory.Exists(folder) ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories) : []);
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/sis/imports")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task An_audit_time_filter_with_a_non_utc_offset_filters_by_that_instant()
    {
        var district = await api.Database.CreateDistrictAsync();
        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        await api.ClientAsAsync(district, Roles.Teacher); // more events, at later instants
        var events = (await officer.GetFromJsonAsync<JsonElement>("/api/audit/events?pageSize=500")).GetProperty("items").EnumerateArray()
            .Select(e => (Seq: e.GetProperty("seq").GetInt64(), At: e.GetProperty("occurredAt").GetDateTimeOffset())).ToList();
        var instant = events.Select(e => e.At).Distinct().Order().ElementAt(events.Select(e => e.At).Distinct().Count() / 2);

        foreach (var offset in new[] { TimeSpan.FromHours(-6), TimeSpan.FromHours(5.5), TimeSpan.Zero })
        {
            var local = Uri.EscapeDataString(instant.ToOffset(offset).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz"));
            var from = await WithoutErrorLogsAsync(() => officer.GetAsync($"/api/audit/events?pageSize=500&from={local}"));
            var to = await WithoutErrorLogsAsync(() => officer.GetAsync($"/api/audit/events?pageSize=500&to={local}"));

            Assert.Equal(events.Where(e => e.At >= instant).Select(e => e.Seq), await SeqsAsync(from));
            Assert.Equal(events.Where(e => e.At < instant).Select(e => e.Seq), await SeqsAsync(to));
        }
    }

    [Fact]
    public async Task Every_paged_endpoint_answers_a_huge_page_with_an_empty_page_and_a_page_out_of_range_with_a_validation_problem()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var run = await RosterSamples.ImportAsync(admin, "northwind-1.1-bulk");

        foreach (var (path, maxPageSize, defaultPageSize) in new[]
                 {
                     ("/api/users", 200, 50), ("/api/audit/events", 500, 100), ("/api/sis/imports", 100, 20),
                     ($"/api/sis/imports/{run.GetProperty("id")}/changes", 1000, 100),
                     ("/api/schools", 500, 100), ("/api/terms", 500, 100), ("/api/courses", 500, 100), ("/api/classes", 500, 100),
                 })
        {
            var unasked = await admin.GetFromJsonAsync<JsonElement>(path); // each endpoint keeps the page size it always had
            Assert.Equal((1, defaultPageSize), (unasked.GetProperty("page").GetInt32(), unasked.GetProperty("pageSize").GetInt32()));

            foreach (var query in new[] { $"page={int.MaxValue}", $"page={int.MaxValue}&pageSize={maxPageSize}" })
            {
                var huge = await WithoutErrorLogsAsync(() => admin.GetAsync($"{path}?{query}"));
                Assert.True(huge.StatusCode == HttpStatusCode.OK, $"{path}?{query}: {(int)huge.StatusCode} {await huge.Content.ReadAsStringAsync()}");
                var page = await huge.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal(0, page.GetProperty("items").GetArrayLength());
                Assert.Equal(int.MaxValue, page.GetProperty("page").GetInt32());
                Assert.True(page.GetProperty("total").GetInt32() > 0, path);
            }

            var first = await admin.GetFromJsonAsync<JsonElement>($"{path}?page=1&pageSize=1");
            Assert.Equal((1, 1, 1), (first.GetProperty("items").GetArrayLength(), first.GetProperty("page").GetInt32(), first.GetProperty("pageSize").GetInt32()));

            foreach (var (query, field) in new[]
                     {
                         ("page=0", "page"), ("page=-1", "page"), ($"page={int.MinValue}", "page"), ("pageSize=0", "pageSize"),
                         ("pageSize=-5", "pageSize"), ($"pageSize={maxPageSize + 1}", "pageSize"), ($"pageSize={int.MaxValue}", "pageSize"),
                     })
            {
                var response = await WithoutErrorLogsAsync(() => admin.GetAsync($"{path}?{query}"));
                await HttpAssert.ValidationProblemAsync(response, field, $"{path}?{query}");
            }
        }
    }

    /// <summary>Runs the request and fails if the API logged an error meanwhile (an unhandled exception, say).</summary>
    async Task<HttpResponseMessage> WithoutErrorLogsAsync(Func<Task<HttpResponseMessage>> send)
    {
        var before = api.Errors.Count;
        var response = await send();
        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {string.Join("\n", api.Errors.Skip(before))}");
        Assert.Empty(api.Errors.Skip(before));
        return response;
    }

    static async Task<IEnumerable<long>> SeqsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()).ToList();
    }

    /// <summary>A request body whose connection drops: some bytes, then an IOException (Kestrel's ConnectionResetException is one).</summary>
    sealed class DroppingStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            var read = await base.ReadAsync(buffer, ct);
            return read > 0 ? read : throw new IOException("The connection was reset by the peer.");
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override int Read(byte[] buffer, int offset, int count) =>
            base.Read(buffer, offset, count) is > 0 and var read ? read : throw new IOException("The connection was reset by the peer.");
    }
}
