from stats.figures import _People


def test_people_counts_each_id_once_across_bytes_and_growth():
    people = _People()
    people.update([7, 8, 7, 1])
    people.update([100_003, 8])
    people.update([0])
    assert len(people) == 5
    assert len(_People()) == 0
