using System.Text.Json;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Grades;

namespace LmsCloud.Tests.Learning.Grades;

/// <summary>
/// The golden corpus in samples/grades: every <c>NAME.json</c> there runs through the engine and must give what
/// <c>NAME.expected.json</c> says. An expected file may list only the fields it cares about (any subset of the
/// output; lists must have the same length), so support staff can pin a reported case by writing the numbers they
/// checked by hand (docs/grade-engine.md).
/// </summary>
public sealed class GradeSamplesTests
{
    static readonly string Folder = Path.Combine(DataFolder.CheckoutRoot(), "samples", "grades");

    static List<string> Names() =>
        Directory.GetFiles(Folder, "*.json").Where(f => !f.EndsWith(".expected.json", StringComparison.Ordinal))
            .Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();

    public static TheoryData<string> Cases() => new(Names());

    [Fact]
    public void The_corpus_has_the_worked_example_and_every_case_has_its_expected_output()
    {
        var names = Names();
        Assert.Contains("worked-example.json", names);
        Assert.True(names.Count >= 4, "samples/grades should hold several cases");
        Assert.All(names, n => Assert.True(File.Exists(Path.Combine(Folder, n.Replace(".json", ".expected.json"))), $"{n} has no .expected.json"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_sample_gives_its_expected_output(string name)
    {
        var result = GradeEngine.Compute(GradeDescriptionJson.Read(File.ReadAllText(Path.Combine(Folder, name))));
        using var actual = JsonDocument.Parse(GradeDescriptionJson.Write(result));
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, name.Replace(".json", ".expected.json"))));

        var differences = new List<string>();
        Compare(expected.RootElement, actual.RootElement, "$", differences);
        Assert.True(differences.Count == 0, $"{name}:\n{string.Join("\n", differences)}");
    }

    /// <summary>Every value in <paramref name="expected"/> must be in <paramref name="actual"/>; numbers compare by value (60 = 60.00).</summary>
    static void Compare(JsonElement expected, JsonElement actual, string path, List<string> differences)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in expected.EnumerateObject())
                    if (actual.ValueKind != JsonValueKind.Object || !actual.TryGetProperty(property.Name, out var value))
                        differences.Add($"{path}.{property.Name}: missing from the output");
                    else Compare(property.Value, value, $"{path}.{property.Name}", differences);
                break;
            case JsonValueKind.Array:
                if (actual.ValueKind != JsonValueKind.Array || actual.GetArrayLength() != expected.GetArrayLength())
                {
                    differences.Add($"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}");
                    break;
                }
                for (var i = 0; i < expected.GetArrayLength(); i++) Compare(expected[i], actual[i], $"{path}[{i}]", differences);
                break;
            case JsonValueKind.Number:
                if (actual.ValueKind != JsonValueKind.Number || actual.GetDecimal() != expected.GetDecimal())
                    differences.Add($"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}");
                break;
            default:
                if (expected.GetRawText() != actual.GetRawText())
                    differences.Add($"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}");
                break;
        }
    }
}
