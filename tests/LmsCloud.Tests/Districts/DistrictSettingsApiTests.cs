using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Npgsql;

namespace LmsCloud.Tests.Districts;

/// <summary>
/// <c>GET/PUT /api/district</c> with the brand colour and the SIS import settings: saved where the import engine reads
/// them, audited with before and after, optional for older clients, and refused with a field error when wrong.
/// </summary>
public sealed class DistrictSettingsApiTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    static async Task<JsonElement> SisSettingsAsync(NpgsqlConnection conn) =>
        JsonDocument.Parse(await TestDatabase.ScalarAsync<string>(conn, "select (settings -> 'sis')::text from district_profiles")).RootElement;

    [Fact]
    public async Task An_admin_sets_the_brand_colour_and_import_settings_and_older_clients_keep_them()
    {
        var district = await api.Database.CreateDistrictAsync("Settings District");
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        await using (var conn = await api.Database.OpenAsTenantAsync(district.Id))
        {
            // A key the settings page does not know survives its changes.
            await using var cmd = new NpgsqlCommand("""update district_profiles set settings = '{"sis": {"futureKey": 7}}'""", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        var initial = await admin.GetFromJsonAsync<JsonElement>("/api/district");
        Assert.Equal(JsonValueKind.Null, initial.GetProperty("brandColor").ValueKind);
        Assert.Equal("lenient", initial.GetProperty("import").GetProperty("mode").GetString()); // the engine's defaults
        Assert.Equal(0.10, initial.GetProperty("import").GetProperty("deletionThreshold").GetDouble());
        Assert.Equal("SisWins", initial.GetProperty("import").GetProperty("localEdits").GetString());

        var put = await admin.PutAsJsonAsync("/api/district", new
        {
            displayName = "Settings District", timeZone = "America/Chicago", locale = "en-US", brandColor = "#7C2D12",
            import = new { mode = "strict", deletionThreshold = 0.25, localEdits = "LocalWins" },
        });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var saved = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("#7c2d12", saved.GetProperty("brandColor").GetString()); // canonical lower case
        Assert.Equal("strict", saved.GetProperty("import").GetProperty("mode").GetString());

        await using (var conn = await api.Database.OpenAsTenantAsync(district.Id))
        {
            var sis = await SisSettingsAsync(conn);
            Assert.Equal("strict", sis.GetProperty("mode").GetString());
            Assert.Equal(0.25, sis.GetProperty("deletionThreshold").GetDouble());
            Assert.Equal("LocalWins", sis.GetProperty("localEdits").GetString());
            Assert.Equal(7, sis.GetProperty("futureKey").GetInt32());
            Assert.Equal("#7c2d12", await TestDatabase.ScalarAsync<string>(conn, "select brand_color from district_profiles"));
        }

        // An older client sends only name, zone and locale: colour and import settings stay; "" removes the colour.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/district",
            new { displayName = "Renamed District", timeZone = "America/Chicago", locale = "en-US" })).StatusCode);
        var kept = await admin.GetFromJsonAsync<JsonElement>("/api/district");
        Assert.Equal(("Renamed District", "#7c2d12", "strict"),
            (kept.GetProperty("displayName").GetString(), kept.GetProperty("brandColor").GetString(), kept.GetProperty("import").GetProperty("mode").GetString()));
        var partial = await (await admin.PutAsJsonAsync("/api/district", new
        {
            displayName = "Renamed District", timeZone = "America/Chicago", locale = "en-US", brandColor = "", import = new { deletionThreshold = 0.5 },
        })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, partial.GetProperty("brandColor").ValueKind);
        Assert.Equal(("strict", 0.5, "LocalWins"), (partial.GetProperty("import").GetProperty("mode").GetString(),
            partial.GetProperty("import").GetProperty("deletionThreshold").GetDouble(), partial.GetProperty("import").GetProperty("localEdits").GetString()));

        // Audited with before and after, colour and import settings included.
        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        var events = (await officer.GetFromJsonAsync<JsonElement>("/api/audit/events?action=district.settings_changed"))
            .GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3, events.Count);
        var first = events.Last(); // newest first
        Assert.Equal(JsonValueKind.Null, first.GetProperty("before").GetProperty("brandColor").ValueKind);
        Assert.Equal("#7c2d12", first.GetProperty("after").GetProperty("brandColor").GetString());
        Assert.Equal(("lenient", "strict"), (first.GetProperty("before").GetProperty("importMode").GetString(), first.GetProperty("after").GetProperty("importMode").GetString()));
        Assert.Equal((0.10, 0.25), (first.GetProperty("before").GetProperty("deletionThreshold").GetDouble(), first.GetProperty("after").GetProperty("deletionThreshold").GetDouble()));

        // The same values again change nothing and write no event.
        await admin.PutAsJsonAsync("/api/district", new { displayName = "Renamed District", timeZone = "America/Chicago", locale = "en-US" });
        Assert.Equal(3, (await officer.GetFromJsonAsync<JsonElement>("/api/audit/events?action=district.settings_changed")).GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("brandColor", "#ffff00", "4.5:1")]   // yellow: 1.1:1 with white
    [InlineData("brandColor", "#777777", "4.5:1")]   // 4.48:1, just short
    [InlineData("brandColor", "blue", "#rrggbb")]
    [InlineData("brandColor", "#12345", "#rrggbb")]
    [InlineData("import.mode", "fast", "strict or lenient")]
    [InlineData("import.deletionThreshold", "1.5", "0 to 1")]
    [InlineData("import.deletionThreshold", "-0.1", "0 to 1")]
    [InlineData("import.localEdits", "Whatever", "SisWins or LocalWins")]
    public async Task A_wrong_colour_or_import_setting_is_a_field_error_and_changes_nothing(string field, string value, string message)
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        object import = field switch
        {
            "import.mode" => new { mode = value },
            "import.deletionThreshold" => new { deletionThreshold = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
            "import.localEdits" => new { localEdits = value },
            _ => new { },
        };
        var response = await admin.PutAsJsonAsync("/api/district", new
        {
            displayName = "Changed Name", timeZone = "America/Denver", locale = "en-US",
            brandColor = field == "brandColor" ? value : null, import,
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(message, problem.GetProperty("errors").GetProperty(field)[0].GetString());
        var after = await admin.GetFromJsonAsync<JsonElement>("/api/district");
        Assert.Equal(district.Name, after.GetProperty("displayName").GetString());
        Assert.Equal("America/Chicago", after.GetProperty("timeZone").GetString());
    }

    [Theory]
    [InlineData("#1d4ed8", true)]  // the standard blue, 6.7:1
    [InlineData("#767676", true)]  // 4.54:1, the lightest grey that passes
    [InlineData("#777777", false)] // 4.48:1
    [InlineData("#FFFFFF", false)]
    [InlineData("#000000", true)]
    public void The_brand_colour_needs_AA_contrast_with_white_text(string color, bool accepted)
    {
        var (canonical, error) = DistrictRules.CheckBrandColor(color);
        Assert.Equal(accepted, error == null);
        Assert.Equal(accepted ? color.ToLowerInvariant() : null, canonical);
    }
}
